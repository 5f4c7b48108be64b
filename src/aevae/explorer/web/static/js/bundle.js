// The bundle (aevae.explorer.bundle): one safetensors container holding both models' weights, their analysis
// arrays and the input gallery, with JSON metadata in its header. This turns its bytes into plain objects.

import { readSafetensors } from "./safetensors.js";
import { createNetwork } from "./network.js";
import { dequantize } from "./quantize.js";
import { createDecodeQueue, createRemoteNetwork } from "./remote.js";

const META_KEY = "aevae.explorer";
const BUNDLE_FORMAT = 1;
export const SLOTS = ["ae", "vae"];

/**
 * The facts a slot's metadata derives from its config's model section, under the names aevae.explorer.bundle.format
 * gives them (MODEL_FACTS there): the bundle stores each once, in `config.model`; stored copies of older bundles
 * are overridden.
 */
export function modelFacts(model) {
  return {
    kind: model.kind,
    variational: model.kind !== "ae",
    latent_dim: model.latent_dim,
    image_size: model.image_size ?? 32,
    channels: model.channels ?? 1,
  };
}

/**
 * Parse a bundle and build both networks.
 * @param {ArrayBuffer|Uint8Array} bytes
 * @param {{transport?: Function, encoder?: Function}} options transport: how a slot whose network only Python can
 *   run ("decoder": "python") is decoded (see remote.js); without one such a slot's images cannot be decoded;
 *   encoder: how such a slot encodes a new picture (remote.js serverEncoder); without one it encodes only the
 *   gallery's
 * @returns {{meta: object, models: {ae: Model, vae: Model}, gallery: {name, label, kind, data, image}[],
 *   family: null|{axis, symbol, values, members: (Model & {value, headline})[], snapshots}, remote: boolean}} where
 *   Model = {meta, net, pcaPoints, labels, pcaComponents, pcaMean, densityGrid, density, quantiles,
 *   testBceQuantiles, testTypicalityQuantiles, factors, latents}; remote: some slot is decoded by Python. A model's
 *   latent size is `meta.latent_dim` (derived from its config, see modelFacts), the one name the page uses.
 */
export function loadBundle(bytes, { transport = null, encoder = null } = {}) {
  const { tensors, metadata } = readSafetensors(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  if (!metadata[META_KEY]) throw new Error("not an aevae explorer bundle (no metadata)");
  const meta = JSON.parse(metadata[META_KEY]);
  if (meta.format !== BUNDLE_FORMAT) throw new Error(`bundle format ${meta.format}; this page reads ${BUNDLE_FORMAT}`);
  const array = (name) => {
    if (!tensors[name]) throw new Error(`the bundle lacks ${name}`);
    return tensors[name].data;
  };
  const images = tensors["gallery.images"]; // (M, S, S) or (M, C, S, S)
  const pixels = images.shape.slice(1).reduce((a, b) => a * b, 1);
  const gallery = meta.gallery.map((item, i) => ({
    ...item,
    image: Float32Array.from(images.data.subarray(i * pixels, (i + 1) * pixels), (v) => v / 255),
  }));
  const queue = transport ? createDecodeQueue(transport) : null;
  const load = (slot, stored, weights) => {
    const m = { ...stored, ...modelFacts(stored.config.model) };
    return {
      slot,
      meta: m,
      net: m.decoder === "python"
        ? createRemoteNetwork({ ...m, slot }, {
          mu: array(`${slot}.gallery_mu`),
          sigma: tensors[`${slot}.gallery_sigma`]?.data ?? null,
          bce: array(`${slot}.gallery_bce`),
        }, gallery.map((item) => item.image), queue, encoder)
        : createNetwork(weights(), m),
      pcaPoints: array(`${slot}.pca_points`), // (N, 2) row-major
      labels: array(`${slot}.labels`),
      pcaComponents: array(`${slot}.pca_components`), // (2, d)
      pcaMean: array(`${slot}.pca_mean`),
      densityGrid: array(`${slot}.density_grid`), // (d, G)
      density: array(`${slot}.density`), // (d, G)
      quantiles: array(`${slot}.quantiles`), // (d, 101)
      // Optional (bundles made before aevae.analysis.novelty lack them): test-set error percentiles 0, 0.1, …, 100
      testBceQuantiles: tensors[`${slot}.test_bce_quantiles`]?.data ?? null,
      testTypicalityQuantiles: tensors[`${slot}.test_typicality_quantiles`]?.data ?? null,
      // Optional, for data sets with known factors: each training point's factor values (N, K) and latent means
      // (N, d), rows in the order of pcaPoints; meta.factors names the factors and holds the information matrix
      factors: tensors[`${slot}.factors`]?.data ?? null,
      latents: tensors[`${slot}.latents`]?.data ?? null,
    };
  };
  const models = {};
  for (const slot of SLOTS) {
    models[slot] = load(slot, meta.models[slot], () => readSafetensors(array(`${slot}.weights`)).tensors);
    meta.models[slot] = models[slot].meta;
  }
  // A family along one axis (aevae.explorer.bundle.family): its models have 8-bit weights, made float32 here
  const family = meta.family ? {
    axis: meta.family.axis,
    symbol: meta.family.symbol,
    values: meta.family.values,
    members: meta.family.members.map((m, i) => ({
      ...load(`family.${i}`, m, () => dequantize(readSafetensors(array(`family.${i}.weights`)).tensors)),
      value: m.value,
      headline: m.headline,
    })),
    // Where members were trained with snapshots: their latents of the same test images at each saved epoch,
    // {member, epochs, metrics, mu: (E, N, d) row-major, labels: (N,)} ("Watch it learn")
    snapshots: (meta.family.snapshots || []).map((s, k) => ({
      ...s,
      mu: array(`family.snapshots.${k}`),
      labels: array("family.snapshots.labels"),
    })),
  } : null;
  return { meta, models, gallery, family, remote: SLOTS.some((slot) => models[slot].net.remote) };
}
