// The steps of a layer table (aevae.models.layers) in plain JavaScript, fast enough to decode while a pointer drags.
//
// Activations are channels-last (HWC) Float64Arrays: the innermost loops then run over contiguous channels and
// weights. Weights are repacked once, at load, from PyTorch's layouts. Convolutions take any kernel,
// stride and padding the table gives ([height, width] pairs, as in PyTorch).

/**
 * A fully connected layer y = W x + b, from PyTorch's weight (out, in) and bias (out), or no bias (zeros).
 * @param {{data: Float32Array, shape: number[]}} weight
 * @param {{data: Float32Array}|null} bias
 */
export function linearLayer(weight, bias) {
  const [outFeatures, inFeatures] = weight.shape;
  return { w: weight.data, b: bias ? bias.data : new Float32Array(outFeatures), outFeatures, inFeatures };
}

/** y = W x + b into `out` (Float64Array of length outFeatures); returns `out`. */
export function linear(layer, x, out) {
  const { w, b, outFeatures, inFeatures } = layer;
  for (let o = 0; o < outFeatures; o++) {
    let acc = b[o];
    const row = o * inFeatures;
    for (let i = 0; i < inFeatures; i++) acc += w[row + i] * x[i];
    out[o] = acc;
  }
  return out;
}

/** In-place SiLU, x * sigmoid(x) (PyTorch's F.silu); returns `x`. */
export function silu(x) {
  for (let i = 0; i < x.length; i++) x[i] = x[i] / (1 + Math.exp(-x[i]));
  return x;
}

/** ReLU, max(x, 0), in place. */
export function relu(x) {
  for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] = 0;
  return x;
}

/** tanh, in place. */
export function tanh(x) {
  for (let i = 0; i < x.length; i++) x[i] = Math.tanh(x[i]);
  return x;
}

/** The logistic sigmoid 1 / (1 + exp(-x)), in place. */
export function sigmoid(x) {
  for (let i = 0; i < x.length; i++) x[i] = 1 / (1 + Math.exp(-x[i]));
  return x;
}

/** Leaky ReLU, x if x > 0 else slope·x (PyTorch's F.leaky_relu), in place. */
export function leakyRelu(x, slope) {
  for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] *= slope;
  return x;
}

/** ELU, x if x > 0 else alpha·(exp(x) − 1) (PyTorch's F.elu), in place. */
export function elu(x, alpha) {
  for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] = alpha * Math.expm1(x[i]);
  return x;
}

/**
 * x·scale + shift per channel, in place: `x` holds values channels-last (a map, channel innermost) or a vector
 * (scale and shift then have one entry per value). A BatchNorm in eval mode is this, its statistics folded in.
 */
export function scaleShift(x, scale, shift) {
  const c = scale.length;
  for (let i = 0; i < x.length; i++) x[i] = x[i] * scale[i % c] + shift[i % c];
  return x;
}

/**
 * GroupNorm (Wu & He 2018) of a channels-last map of `channels` channels, in place: each group of channels/groups
 * consecutive channels is normalised over its values at every pixel (biased variance, as PyTorch), then scaled and
 * shifted per channel when `weight` is given.
 */
export function groupNorm(x, channels, groups, eps, weight, bias) {
  const per = channels / groups;
  const pixels = x.length / channels;
  for (let g = 0; g < groups; g++) {
    let sum = 0;
    let squares = 0;
    for (let p = 0; p < pixels; p++) {
      for (let c = g * per; c < (g + 1) * per; c++) {
        const v = x[p * channels + c];
        sum += v;
        squares += v * v;
      }
    }
    const n = per * pixels;
    const mean = sum / n;
    const inv = 1 / Math.sqrt(Math.max(squares / n - mean * mean, 0) + eps);
    for (let p = 0; p < pixels; p++) {
      for (let c = g * per; c < (g + 1) * per; c++) {
        const i = p * channels + c;
        x[i] = (x[i] - mean) * inv;
        if (weight) x[i] = x[i] * weight[c] + (bias ? bias[c] : 0);
      }
    }
  }
  return x;
}

/** LayerNorm (Ba et al. 2016) over all of `x`, in place, then scaled and shifted per value when `weight` is given. */
export function layerNorm(x, eps, weight, bias) {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i];
  mean /= x.length;
  let variance = 0;
  for (let i = 0; i < x.length; i++) variance += (x[i] - mean) ** 2;
  const inv = 1 / Math.sqrt(variance / x.length + eps);
  for (let i = 0; i < x.length; i++) {
    x[i] = (x[i] - mean) * inv;
    if (weight) x[i] = x[i] * weight[i] + (bias ? bias[i] : 0);
  }
  return x;
}

/**
 * The geometry of a convolution step of the table and its input map [C, H, W]: output side lengths as PyTorch
 * computes them.
 */
function geometry(step, [, inH, inW]) {
  const [kh, kw] = step.kernel;
  const [sh, sw] = step.stride;
  const [ph, pw] = step.padding;
  const transposed = step.op === "conv_transpose2d";
  const [oph, opw] = transposed ? step.output_padding : [0, 0];
  const outH = transposed ? (inH - 1) * sh - 2 * ph + kh + oph : Math.floor((inH + 2 * ph - kh) / sh) + 1;
  const outW = transposed ? (inW - 1) * sw - 2 * pw + kw + opw : Math.floor((inW + 2 * pw - kw) / sw) + 1;
  return { kh, kw, sh, sw, ph, pw, inH, inW, outH, outW };
}

/**
 * A convolution from PyTorch's weight (Cout, Cin, kh, kw), repacked to [ky][kx][ci][co], for a step of the
 * table reading a map of `inShape` [C, H, W].
 */
export function convLayer(weight, bias, step, inShape) {
  const [cout, cin, kh, kw] = weight.shape;
  const w = new Float32Array(weight.data.length);
  for (let co = 0; co < cout; co++)
    for (let ci = 0; ci < cin; ci++)
      for (let k = 0; k < kh * kw; k++) w[(k * cin + ci) * cout + co] = weight.data[(co * cin + ci) * kh * kw + k];
  return { w, b: bias ? bias.data : new Float32Array(cout), cin, cout, ...geometry(step, inShape) };
}

/** Convolve an HWC input into `out` (HWC, the layer's output size); returns `out`. */
export function conv2d(layer, x, out) {
  const { w, b, cin, cout, kh, kw, sh, sw, ph, pw, inH, inW, outH, outW } = layer;
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      const o = (oy * outW + ox) * cout;
      for (let co = 0; co < cout; co++) out[o + co] = b[co];
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh - ph + ky;
        if (iy < 0 || iy >= inH) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * sw - pw + kx;
          if (ix < 0 || ix >= inW) continue;
          const i = (iy * inW + ix) * cin;
          const kBase = (ky * kw + kx) * cin;
          for (let ci = 0; ci < cin; ci++) {
            const v = x[i + ci];
            const wBase = (kBase + ci) * cout;
            for (let co = 0; co < cout; co++) out[o + co] += v * w[wBase + co];
          }
        }
      }
    }
  }
  return out;
}

/**
 * A transposed convolution from PyTorch's weight (Cin, Cout, kh, kw), repacked to [ky][kx][co][ci], for a step of
 * the table reading a map of `inShape` [C, H, W]. It is computed as a gather: each output value is one dot product
 * over the input channels of the few (input pixel, kernel tap) pairs that reach it, listed once here (`reach`), so
 * the hot loop keeps its sum in registers and stores once per output value. The scatter form (each input spread
 * over its outputs) stores once per multiply and ran 1.8x slower in V8 on a 64×64 colour decoder.
 */
export function convTransposeLayer(weight, bias, step, inShape) {
  const [cin, cout, kh, kw] = weight.shape;
  const w = new Float64Array(weight.data.length); // float64 like the maps: no conversion in the hot loop
  for (let ci = 0; ci < cin; ci++)
    for (let co = 0; co < cout; co++)
      for (let k = 0; k < kh * kw; k++) w[(k * cout + co) * cin + ci] = weight.data[(ci * cout + co) * kh * kw + k];
  const g = geometry(step, inShape);
  // reach[start[p] .. start[p + 1]): (input offset, weight offset) pairs feeding output pixel p, oy = iy·s − p + ky
  const start = new Int32Array(g.outH * g.outW + 1);
  const pairs = [];
  for (let oy = 0; oy < g.outH; oy++) {
    for (let ox = 0; ox < g.outW; ox++) {
      for (let ky = 0; ky < kh; ky++) {
        const ny = oy + g.ph - ky;
        if (ny < 0 || ny % g.sh !== 0 || ny / g.sh >= g.inH) continue;
        for (let kx = 0; kx < kw; kx++) {
          const nx = ox + g.pw - kx;
          if (nx < 0 || nx % g.sw !== 0 || nx / g.sw >= g.inW) continue;
          pairs.push(((ny / g.sh) * g.inW + nx / g.sw) * cin, (ky * kw + kx) * cout * cin);
        }
      }
      start[oy * g.outW + ox + 1] = pairs.length;
    }
  }
  return { w, b: bias ? bias.data : new Float32Array(cout), cin, cout, ...g, start, reach: Int32Array.from(pairs) };
}

/** Apply a convTransposeLayer to `x` (H, W, Cin) into `out` (outH, outW, Cout); returns `out`. */
export function convTranspose2d(layer, x, out) {
  const { w, b, cin, cout, outH, outW, start, reach } = layer;
  for (let p = 0; p < outH * outW; p++) {
    const o = p * cout;
    const first = start[p];
    const last = start[p + 1];
    for (let co = 0; co < cout; co++) {
      // four partial sums: independent additions the CPU can overlap
      let a0 = b[co];
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let t = first; t < last; t += 2) {
        const xi = reach[t];
        const wi = reach[t + 1] + co * cin;
        let ci = 0;
        for (; ci + 3 < cin; ci += 4) {
          a0 += x[xi + ci] * w[wi + ci];
          a1 += x[xi + ci + 1] * w[wi + ci + 1];
          a2 += x[xi + ci + 2] * w[wi + ci + 2];
          a3 += x[xi + ci + 3] * w[wi + ci + 3];
        }
        for (; ci < cin; ci++) a0 += x[xi + ci] * w[wi + ci];
      }
      out[o + co] = a0 + a1 + a2 + a3;
    }
  }
  return out;
}

/**
 * PyTorch flattens (C, H, W); these layers hold (H, W, C). Reorder a linear layer's input columns (`pixels` =
 * H·W of the flattened map) so it reads a channels-last map as PyTorch's layer read the channels-first one.
 */
export function channelsLastInputs(layer, channels, pixels) {
  const { w, outFeatures, inFeatures } = layer;
  const reordered = new Float32Array(w.length);
  for (let o = 0; o < outFeatures; o++)
    for (let c = 0; c < channels; c++)
      for (let p = 0; p < pixels; p++)
        reordered[o * inFeatures + p * channels + c] = w[o * inFeatures + c * pixels + p];
  return { ...layer, w: reordered };
}

/** The converse for a layer whose output PyTorch unflattens to (C, H, W): reorder its rows to (H, W, C). */
export function channelsLastOutputs(layer, channels, pixels) {
  const { w, b, outFeatures, inFeatures } = layer;
  const reordered = new Float32Array(w.length);
  const bias = new Float32Array(outFeatures);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < pixels; p++) {
      const from = c * pixels + p;
      const to = p * channels + c;
      reordered.set(w.subarray(from * inFeatures, (from + 1) * inFeatures), to * inFeatures);
      bias[to] = b[from];
    }
  }
  return { ...layer, w: reordered, b: bias };
}
