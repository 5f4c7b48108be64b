// A model's encoder and decoder, built from the layer table its bundle metadata carries (aevae.models.layers) and
// its safetensors weights, so the page encodes drawings and decodes latents without a server. Nothing about the
// architecture is written here: another width, depth, image size or number of channels needs no change.

import {
  channelsLastInputs,
  channelsLastOutputs,
  conv2d,
  convLayer,
  convTranspose2d,
  convTransposeLayer,
  elu,
  groupNorm,
  layerNorm,
  leakyRelu,
  linear,
  linearLayer,
  relu,
  scaleShift,
  sigmoid,
  silu,
  tanh,
} from "./layers.js";

const ELEMENTWISE = { silu, relu, tanh, sigmoid }; // in-place activations by their name in the layer table
const OUTPUTS = {
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: (v) => 0.5 * (1 + Math.tanh(v)), // a decoder of pixels in [-1, 1]: shown in [0, 1]
}; // the image from the decoder's last values, by the table head's "output"
const REGENERATE =
  "python -m aevae.explorer.bundle.make_defaults --from RUNS for the shipped models, " +
  "or aevae explore / aevae export --ae RUN_DIR --vae RUN_DIR for your own runs";

/**
 * A model's network from its tensors (see readSafetensors) and its bundle slot's metadata ({slot, latent_dim, layers}:
 * the layer table's blocks of the latent are latent_dim values each).
 * Images are channels-first, as in PyTorch: C·S·S values in [0, 1], channel by channel (C = 1: an S×S image).
 * @returns {{size: number, channels: number, variational: boolean,
 *            decode: (z: ArrayLike<number>, trace?: Trace) => Float32Array,
 *            encode: (image: ArrayLike<number>, trace?: Trace) => {mu: Float64Array, sigma: Float64Array|null}}}
 *   where Trace = (name, values, shape) => void, if given, receives each layer's output once the pass is done (its
 *   tensor name, values channels-last after the layer's activation, shape [C, H, W] or [n]; the buffers are reused
 *   by the next pass, so copy what you keep); the decoder's last layer comes as the decoded image. The article's
 *   Figure 1 draws every layer from it.
 */
export function createNetwork(tensors, meta) {
  const table = meta.layers;
  if (!table) {
    throw new Error(`the bundle's ${meta.slot ?? ""} model carries no layer table, so the page cannot build its ` +
      `network: the bundle was made by an older aevae. Make it again with this one: ${REGENERATE}`);
  }
  const [channels, size, sizeW] = table.input;
  if (size !== sizeW) throw new Error(`the explorer draws square images; this model reads ${size}×${sizeW}`);
  const d = meta.latent_dim;
  const pixels = size * size;
  const { encoder_output: parts, logvar_range: logvarRange, output } = table.head;
  if (!Object.hasOwn(OUTPUTS, output)) throw new Error(`the layer table's output ${output} is not one the page computes`);
  const toImage = OUTPUTS[output];
  const [inLo, inHi] = table.head.input_range ?? [0, 1]; // what the encoder reads for pixels 0 and 1
  const muAt = parts.indexOf("mu") * d;
  const logvarAt = parts.indexOf("logvar") * d; // negative for the AE
  if (muAt < 0 || parts.some((p) => p !== "mu" && p !== "logvar")) {
    throw new Error(`the layer table splits the encoder output into ${parts}; the page knows mu and logvar`);
  }
  const tensor = (name, shape) => {
    const t = tensors[name];
    if (!t) throw new Error(`the weights lack ${name}; are they this model's?`);
    if (String(t.shape) !== String(shape)) {
      throw new Error(`${name} has shape ${t.shape}; the layer table says ${shape}`);
    }
    return t;
  };
  const enc = compile(table.encoder, table.input, tensor, "encoder");
  const dec = compile(table.decoder, [d], tensor, "decoder");
  if (String(enc.shape) !== String([parts.length * d])) {
    throw new Error(`the encoder ends in ${enc.shape} values, not ${parts.join(" and ")} of ${d} each`);
  }
  if (String(dec.shape) !== String(table.input)) {
    throw new Error(`the decoder ends in ${dec.shape}, not ${table.input}`);
  }

  function decode(z, trace = null) {
    if (z.length !== d) throw new Error(`a latent of this model has ${d} values, got ${z.length}`);
    dec.input.set(z);
    const logits = dec.run(); // (S, S, C)
    const image = new Float32Array(channels * pixels); // (C, S, S)
    for (let p = 0; p < pixels; p++)
      for (let c = 0; c < channels; c++) image[c * pixels + p] = toImage(logits[p * channels + c]);
    if (trace) emit(dec, trace, image);
    return image;
  }

  function encode(image, trace = null) {
    if (image.length !== channels * pixels) {
      throw new Error(`an input image of this model has ${channels}×${size}×${size} values, got ${image.length}`);
    }
    for (let c = 0; c < channels; c++)
      for (let p = 0; p < pixels; p++) enc.input[p * channels + c] = inLo + (inHi - inLo) * image[c * pixels + p];
    const out = enc.run(); // (d) or (2d): mu, logvar
    if (trace) {
      trace("input", enc.input, table.input);
      emit(enc, trace);
    }
    const mu = Float64Array.from(out.subarray(muAt, muAt + d));
    if (logvarAt < 0) return { mu, sigma: null };
    const sigma = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const logvar = Math.min(Math.max(out[logvarAt + j], logvarRange[0]), logvarRange[1]);
      sigma[j] = Math.exp(0.5 * logvar);
    }
    return { mu, sigma };
  }

  return { size, channels, variational: logvarAt >= 0, decode, encode };
}

/** Hand each layer's output of the last run of `half` to `trace`; the last layer's as `last` when given. */
function emit(half, trace, last = null) {
  const n = half.taps.length;
  half.taps.forEach((tap, i) => trace(tap.name, last && i === n - 1 ? last : tap.buffer, tap.shape));
}

/**
 * One half of the network as steps over buffers allocated once (decoding runs on every pointer move and must not
 * churn the garbage collector). A step reads the step before it, or step `from` (-1: the half's input); an `add`
 * reads two. Elementwise steps and normalisations work in place, on a copy where another step still reads their
 * input (a residual connection). Maps are held channels-last, so a linear layer next to a flatten or an unflatten
 * gets its columns or rows reordered at load instead of the map being transposed at every call.
 * @returns {{input: Float64Array, shape: number[], taps: {name, buffer, shape}[], run: () => Float64Array}} `run`
 *   reads `input` and returns the last step's buffer, of `shape` (a map [C, H, W] held as H, W, C); `taps` are
 *   the layers' own output buffers, which hold their values (activation applied in place) after a run
 */
function compile(steps, inputShape, tensor, half) {
  const input = new Float64Array(count(inputShape));
  const readers = new Map(); // step index -> how many steps read its output
  steps.forEach((step, i) => {
    for (const k of step.op === "add" ? step.inputs : [step.from ?? i - 1]) readers.set(k, (readers.get(k) ?? 0) + 1);
  });
  // what each step leaves: its buffer, shape, a pending flatten ([C, H·W] of a map held channels-last) and the
  // linear layer (with the per-feature vectors after it) whose output reaches here through per-value steps only
  const done = new Map([[-1, { buffer: input, shape: inputShape, flattened: null, lastLinear: null }]]);
  const runs = [];
  const taps = [];
  steps.forEach((step, i) => {
    const at = `${half} step ${i + 1} (${step.op}${step.tensor ? ` ${step.tensor}` : ""})`;
    const source = step.op === "add" ? step.inputs[0] : step.from ?? i - 1;
    if (!done.has(source)) throw new Error(`${at} reads step ${source + 1}, which does not come before it`);
    let { buffer, shape, flattened, lastLinear } = done.get(source);
    if (source !== i - 1) lastLinear = null;
    const params = (weightShape, biasShape = [step.out]) => [
      tensor(`${step.tensor}.weight`, weightShape),
      step.bias ? tensor(`${step.tensor}.bias`, biasShape) : null,
    ];
    const x = buffer;
    const ownBuffer = () => {
      // per-value steps work in place, unless another step still reads x
      if ((readers.get(source) ?? 0) <= 1) return x;
      const copy = new Float64Array(x.length);
      runs.push(() => copy.set(x));
      taps.push({ name: `${step.op} ${i + 1}`, buffer: copy, shape });
      return copy;
    };
    const perFeature = (vector) => {
      // a vector over (C, H, W) or (n,) values, in the layout this step's buffer holds them
      const held = flattened ? channelsLastVector(vector, ...flattened) : vector;
      if (lastLinear) lastLinear.vectors.push(held);
      return held;
    };
    if (step.op === "linear") {
      if (shape.length !== 1 || shape[0] !== step.in) throw new Error(`${at} reads ${step.in} values, not ${shape}`);
      let layer = linearLayer(...params([step.out, step.in]));
      if (flattened) layer = channelsLastInputs(layer, ...flattened);
      const op = { layer, vectors: [], tapsFrom: taps.length };
      const out = new Float64Array(step.out);
      runs.push(() => linear(op.layer, x, out));
      taps.push({ name: step.tensor, buffer: out, shape: [step.out] });
      [buffer, shape, flattened, lastLinear] = [out, [step.out], null, op];
    } else if (step.op === "conv2d" || step.op === "conv_transpose2d") {
      const transposed = step.op === "conv_transpose2d";
      if (shape.length !== 3 || shape[0] !== step.in) throw new Error(`${at} reads ${step.in} channels, not ${shape}`);
      const [make, apply] = transposed ? [convTransposeLayer, convTranspose2d] : [convLayer, conv2d];
      const [kh, kw] = step.kernel;
      const weightShape = transposed ? [step.in, step.out, kh, kw] : [step.out, step.in, kh, kw];
      const layer = make(...params(weightShape), step, shape);
      const out = new Float64Array(step.out * layer.outH * layer.outW);
      runs.push(() => apply(layer, x, out));
      taps.push({ name: step.tensor, buffer: out, shape: [step.out, layer.outH, layer.outW] });
      [buffer, shape, lastLinear] = [out, [step.out, layer.outH, layer.outW], null];
    } else if (Object.hasOwn(ELEMENTWISE, step.op) || step.op === "leaky_relu" || step.op === "elu") {
      const y = ownBuffer();
      const activation = ELEMENTWISE[step.op];
      if (step.op === "leaky_relu") runs.push(() => leakyRelu(y, step.slope));
      else if (step.op === "elu") runs.push(() => elu(y, step.alpha));
      else runs.push(() => activation(y));
      buffer = y;
    } else if (step.op === "scale_shift") {
      const channels = shape[0];
      const [w, b] = params([channels], [channels]).map((t) => Float64Array.from(t.data));
      const [scale, shift] = shape.length === 1 ? [perFeature(w), perFeature(b)] : [w, b];
      const y = ownBuffer();
      runs.push(() => scaleShift(y, scale, shift));
      buffer = y;
    } else if (step.op === "group_norm" || step.op === "layer_norm") {
      const channels = shape[0];
      const group = step.op === "group_norm";
      if (group && (shape.length !== 3 || flattened)) throw new Error(`${at} normalises maps, not ${shape}`);
      const affineShape = group ? [channels] : shape;
      let [w, b] = step.tensor ? params(affineShape, affineShape).map((t) => t && Float64Array.from(t.data)) : [];
      if (!group && w && shape.length === 3) [w, b] = [w, b].map((v) => v && channelsLastVector(v, channels, count(shape) / channels));
      else if (!group && w) [w, b] = [w, b].map((v) => v && perFeature(v));
      const y = ownBuffer();
      if (group) runs.push(() => groupNorm(y, channels, step.groups, step.eps, w, b));
      else runs.push(() => layerNorm(y, step.eps, w, b));
      buffer = y;
    } else if (step.op === "add") {
      const other = done.get(step.inputs[1]);
      if (!other) throw new Error(`${at} reads step ${step.inputs[1] + 1}, which does not come before it`);
      if (String(other.shape) !== String(shape) || String(other.flattened) !== String(flattened)) {
        throw new Error(`${at} adds ${other.shape} to ${shape}; the page adds maps or vectors of one layout`);
      }
      const [a, c] = [x, other.buffer];
      const out = new Float64Array(x.length);
      runs.push(() => {
        for (let j = 0; j < out.length; j++) out[j] = a[j] + c[j];
      });
      taps.push({ name: `add ${i + 1}`, buffer: out, shape });
      [buffer, lastLinear] = [out, null];
    } else if (step.op === "flatten") {
      if (shape.length === 3) [flattened, shape, lastLinear] = [[shape[0], shape[1] * shape[2]], [count(shape)], null];
    } else if (step.op === "unflatten" && flattened && String(flattened) === String([step.shape[0], step.shape[1] * step.shape[2]])) {
      [shape, flattened] = [step.shape, null]; // a map flattened and unflattened back: still held channels-last
    } else if (step.op === "unflatten") {
      if (!lastLinear || flattened || count(step.shape) !== count(shape)) {
        throw new Error(`${at}: the page unflattens only the output of a linear layer, to as many values`);
      }
      const [c, h, w] = step.shape;
      lastLinear.layer = channelsLastOutputs(lastLinear.layer, c, h * w);
      for (const v of lastLinear.vectors) v.set(channelsLastVector(v, c, h * w));
      for (const tap of taps.slice(lastLinear.tapsFrom)) tap.shape = step.shape;
      [shape, lastLinear] = [step.shape, null];
    } else {
      throw new Error(`${at}: the page has no ${step.op} step; is this bundle from a newer aevae?`);
    }
    if (step.shape && String(step.shape) !== String(shape)) {
      throw new Error(`${at} gives ${shape} here; the layer table says ${step.shape}`);
    }
    done.set(i, { buffer, shape, flattened, lastLinear });
  });
  const last = done.get(steps.length - 1);
  if (last.flattened) throw new Error(`the ${half} ends in a flattened map; the page expects a linear layer after it`);
  const out = last.buffer;
  return {
    input,
    shape: last.shape,
    taps,
    run() {
      for (const r of runs) r();
      return out;
    },
  };
}

/** A vector over a map's (C, H·W) values, channels first as PyTorch holds it, reordered channels-last. */
function channelsLastVector(vector, channels, pixels) {
  const out = new Float64Array(vector.length);
  for (let c = 0; c < channels; c++) for (let p = 0; p < pixels; p++) out[p * channels + c] = vector[c * pixels + p];
  return out;
}

function count(shape) {
  return shape.reduce((a, b) => a * b, 1);
}
