// The encoder and decoder of aevae.models.network, rebuilt from a model's safetensors weights (tensor names as in
// network.py), so the page encodes drawings and decodes latents without a server.

import {
  channelsLastInputs,
  channelsLastOutputs,
  conv2d,
  convLayer,
  convTranspose2d,
  convTransposeLayer,
  linear,
  linearLayer,
  silu,
} from "./layers.js";

const LOGVAR_RANGE = [-20, 10]; // as aevae.models.autoencoder.LOGVAR_RANGE

/**
 * A model's network from its tensors (see readSafetensors) and metadata ({latent_dim, image_size, variational}).
 * @returns {{latentDim: number, size: number, variational: boolean,
 *            decode: (z: ArrayLike<number>, trace?: Trace) => Float32Array,
 *            encode: (image: ArrayLike<number>, trace?: Trace) => {mu: Float64Array, sigma: Float64Array|null}}}
 *   where Trace = (name, values, shape) => void is called with each layer's output (after its activation), the
 *   values channels-last and reused by the next call (copy what you keep), shape PyTorch's [C, H, W] or [n]:
 *   the article draws every layer from it.
 */
export function createNetwork(tensors, meta) {
  const get = (name) => {
    if (!tensors[name]) throw new Error(`the weights lack ${name}; are they an aevae model's?`);
    return tensors[name];
  };
  const layer = (make, name) => make(get(`${name}.weight`), get(`${name}.bias`));
  const size = meta.image_size;
  const side = size / 8; // three stride-2 stages
  const width = get("encoder.conv1.weight").shape[0];
  const channels = get("encoder.conv1.weight").shape[1];
  if (channels !== 1) throw new Error(`the explorer draws grayscale models; this one has ${channels} channels`);

  const enc = {
    conv1: layer(convLayer, "encoder.conv1"),
    conv2: layer(convLayer, "encoder.conv2"),
    conv3: layer(convLayer, "encoder.conv3"),
    fc1: channelsLastInputs(layer(linearLayer, "encoder.fc1"), 4 * width, side),
    fc2: layer(linearLayer, "encoder.fc2"),
  };
  const dec = {
    fc1: layer(linearLayer, "decoder.fc1"),
    fc2: channelsLastOutputs(layer(linearLayer, "decoder.fc2"), 4 * width, side),
    deconv1: layer(convTransposeLayer, "decoder.deconv1"),
    deconv2: layer(convTransposeLayer, "decoder.deconv2"),
    deconv3: layer(convTransposeLayer, "decoder.deconv3"),
  };
  const d = dec.fc1.inFeatures;
  if (d !== meta.latent_dim) throw new Error(`the weights have ${d} latent dimensions, the metadata ${meta.latent_dim}`);

  // Buffers are allocated once: decoding runs on every pointer move and must not churn the garbage collector.
  const buf = {
    z: new Float64Array(d),
    hidden: new Float64Array(dec.fc1.outFeatures),
    map8: new Float64Array(side * side * 4 * width), // (S/8)² × 4w
    map4: new Float64Array(4 * side * side * 2 * width), // (S/4)² × 2w
    map2: new Float64Array(16 * side * side * width), // (S/2)² × w
    image: new Float64Array(size * size),
    encHidden: new Float64Array(enc.fc1.outFeatures),
    encOut: new Float64Array(enc.fc2.outFeatures),
  };

  const noTrace = () => {};

  function decode(z, trace = noTrace) {
    if (z.length !== d) throw new Error(`a latent of this model has ${d} values, got ${z.length}`);
    buf.z.set(z);
    trace("decoder.fc1", silu(linear(dec.fc1, buf.z, buf.hidden)), [dec.fc1.outFeatures]); // (hidden)
    trace("decoder.fc2", silu(linear(dec.fc2, buf.hidden, buf.map8)), [4 * width, side, side]); // (S/8, S/8, 4w)
    trace("decoder.deconv1", silu(convTranspose2d(dec.deconv1, buf.map8, side, buf.map4)), [2 * width, 2 * side, 2 * side]); // (S/4, S/4, 2w)
    trace("decoder.deconv2", silu(convTranspose2d(dec.deconv2, buf.map4, 2 * side, buf.map2)), [width, 4 * side, 4 * side]); // (S/2, S/2, w)
    convTranspose2d(dec.deconv3, buf.map2, 4 * side, buf.image); // (S, S, 1) logits
    const out = new Float32Array(size * size);
    for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-buf.image[i]));
    trace("decoder.deconv3", out, [1, size, size]); // after the sigmoid: the output image
    return out;
  }

  function encode(image, trace = noTrace) {
    if (image.length !== size * size) throw new Error(`an input image has ${size}×${size} pixels`);
    const x = Float64Array.from(image);
    trace("input", x, [1, size, size]);
    trace("encoder.conv1", silu(conv2d(enc.conv1, x, size, buf.map2)), [width, size / 2, size / 2]); // (S/2, S/2, w)
    trace("encoder.conv2", silu(conv2d(enc.conv2, buf.map2, size / 2, buf.map4)), [2 * width, size / 4, size / 4]); // (S/4, S/4, 2w)
    trace("encoder.conv3", silu(conv2d(enc.conv3, buf.map4, size / 4, buf.map8)), [4 * width, side, side]); // (S/8, S/8, 4w)
    trace("encoder.fc1", silu(linear(enc.fc1, buf.map8, buf.encHidden)), [enc.fc1.outFeatures]); // (hidden)
    const out = linear(enc.fc2, buf.encHidden, buf.encOut); // (d) or (2d): mu, logvar
    trace("encoder.fc2", out, [enc.fc2.outFeatures]);
    const mu = Float64Array.from(out.subarray(0, d));
    if (!meta.variational) return { mu, sigma: null };
    const sigma = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const logvar = Math.min(Math.max(out[d + j], LOGVAR_RANGE[0]), LOGVAR_RANGE[1]);
      sigma[j] = Math.exp(0.5 * logvar);
    }
    return { mu, sigma };
  }

  return { latentDim: d, size, variational: meta.variational, decode, encode };
}
