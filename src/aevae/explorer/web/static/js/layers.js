// The layers of aevae.models.network in plain JavaScript, fast enough to decode while a pointer drags.
//
// Activations are channels-last (HWC) Float64Arrays: the innermost loops then run over output channels with
// contiguous weights. Weights are repacked once, at load, from PyTorch's layouts. Every convolution has a 4×4
// kernel, stride 2 and padding 1, as in network.py: a convolution halves the side, a transposed one doubles it.

const K = 4; // kernel side
const STRIDE = 2;
const PAD = 1;

/**
 * A fully connected layer y = W x + b, from PyTorch's weight (out, in) and bias (out).
 * @param {{data: Float32Array, shape: number[]}} weight
 * @param {{data: Float32Array}} bias
 */
export function linearLayer(weight, bias) {
  const [outFeatures, inFeatures] = weight.shape;
  return { w: weight.data, b: bias.data, outFeatures, inFeatures };
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

/**
 * A stride-2 convolution from PyTorch's weight (Cout, Cin, 4, 4), repacked to [ky][kx][ci][co].
 */
export function convLayer(weight, bias) {
  const [cout, cin] = weight.shape;
  const w = new Float32Array(weight.data.length);
  for (let co = 0; co < cout; co++)
    for (let ci = 0; ci < cin; ci++)
      for (let k = 0; k < K * K; k++) w[(k * cin + ci) * cout + co] = weight.data[(co * cin + ci) * K * K + k];
  return { w, b: bias.data, cin, cout };
}

/** Convolve an HWC input of side `side` into `out` (HWC, side / 2); returns `out`. */
export function conv2d(layer, x, side, out) {
  const { w, b, cin, cout } = layer;
  const outSide = side / STRIDE;
  for (let oy = 0; oy < outSide; oy++) {
    for (let ox = 0; ox < outSide; ox++) {
      const o = (oy * outSide + ox) * cout;
      for (let co = 0; co < cout; co++) out[o + co] = b[co];
      for (let ky = 0; ky < K; ky++) {
        const iy = oy * STRIDE - PAD + ky;
        if (iy < 0 || iy >= side) continue;
        for (let kx = 0; kx < K; kx++) {
          const ix = ox * STRIDE - PAD + kx;
          if (ix < 0 || ix >= side) continue;
          const i = (iy * side + ix) * cin;
          const kBase = (ky * K + kx) * cin;
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
 * A stride-2 transposed convolution from PyTorch's weight (Cin, Cout, 4, 4), repacked to [ci][ky][kx][co].
 */
export function convTransposeLayer(weight, bias) {
  const [cin, cout] = weight.shape;
  const w = new Float32Array(weight.data.length);
  for (let ci = 0; ci < cin; ci++)
    for (let co = 0; co < cout; co++)
      for (let k = 0; k < K * K; k++) w[(ci * K * K + k) * cout + co] = weight.data[(ci * cout + co) * K * K + k];
  return { w, b: bias.data, cin, cout };
}

/** Scatter an HWC input of side `side` into `out` (HWC, side * 2): out[2i - 1 + k] += x[i] · w[k]; returns `out`. */
export function convTranspose2d(layer, x, side, out) {
  const { w, b, cin, cout } = layer;
  const outSide = side * STRIDE;
  for (let p = 0; p < outSide * outSide; p++) for (let co = 0; co < cout; co++) out[p * cout + co] = b[co];
  for (let iy = 0; iy < side; iy++) {
    for (let ix = 0; ix < side; ix++) {
      const i = (iy * side + ix) * cin;
      for (let ci = 0; ci < cin; ci++) {
        const v = x[i + ci];
        for (let ky = 0; ky < K; ky++) {
          const oy = iy * STRIDE - PAD + ky;
          if (oy < 0 || oy >= outSide) continue;
          for (let kx = 0; kx < K; kx++) {
            const ox = ix * STRIDE - PAD + kx;
            if (ox < 0 || ox >= outSide) continue;
            const o = (oy * outSide + ox) * cout;
            const wBase = (ci * K * K + ky * K + kx) * cout;
            for (let co = 0; co < cout; co++) out[o + co] += v * w[wBase + co];
          }
        }
      }
    }
  }
  return out;
}

/**
 * PyTorch flattens (C, H, W); these layers hold (H, W, C). Reorder a linear layer's input columns (`side` =
 * H = W of the flattened map) so it reads a channels-last map as PyTorch's fc read the channels-first one.
 */
export function channelsLastInputs(layer, channels, side) {
  const { w, outFeatures, inFeatures } = layer;
  const reordered = new Float32Array(w.length);
  for (let o = 0; o < outFeatures; o++)
    for (let c = 0; c < channels; c++)
      for (let p = 0; p < side * side; p++)
        reordered[o * inFeatures + p * channels + c] = w[o * inFeatures + c * side * side + p];
  return { ...layer, w: reordered };
}

/** The converse for a layer whose output PyTorch unflattens to (C, H, W): reorder its rows to (H, W, C). */
export function channelsLastOutputs(layer, channels, side) {
  const { w, b, outFeatures, inFeatures } = layer;
  const reordered = new Float32Array(w.length);
  const bias = new Float32Array(outFeatures);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < side * side; p++) {
      const from = c * side * side + p;
      const to = p * channels + c;
      reordered.set(w.subarray(from * inFeatures, (from + 1) * inFeatures), to * inFeatures);
      bias[to] = b[from];
    }
  }
  return { ...layer, w: reordered, b: bias };
}
