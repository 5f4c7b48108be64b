// How much a model uses each latent dimension, and which dimensions the parallel plot draws as axes.
//
// A VAE's use of dimension j is its KL to the prior, KL(q(z_j|x) ‖ N(0, 1)) in nats per image (the analysis's
// kl_nats_per_dim, averaged over the test images); an AE has no prior, so its use is the variance of the codes
// over the training images. Either way a dimension is *active* in the sense of Burda et al. (2016, "Importance
// Weighted Autoencoders", §5.2) when its mean moves with the input: Var_x(E[z_j | x]) > 0.01. Real VAEs leave
// many dimensions collapsed (mu ≈ 0, σ ≈ 1 for every input: KL ≈ 0); those are summarised, not drawn at full
// height. Latents of SORT_FROM or more dimensions are drawn in order of use, the most used first.

export const ACTIVE_VARIANCE = 0.01; // Burda et al. 2016: active when Var_x(E[z_j|x]) exceeds this
export const UNUSED_KL_NATS = 0.01; // a VAE dimension with less KL than this (nats/image) carries nothing
export const SORT_FROM = 9; // below this many dimensions the axes keep their order and all are drawn
export const MIN_AXIS_PX = 46; // on-screen pixels between neighbouring axes: their labels never touch

/**
 * What a model does with each dimension.
 * @param {{meta: object}} model a bundle model (meta.latent_dim dimensions)
 * @returns {{use: number[], unit: string, measure: string, variance: number[], active: boolean[],
 *            order: number[], unused: number[], kl: boolean}} use: per dimension, in `unit`; order: dimensions by
 *   use, most first; active: Burda's criterion; unused: the dimensions the plot leaves out by default (not active,
 *   and for a VAE with KL below UNUSED_KL_NATS)
 */
export function dimensionUse(model) {
  const { meta } = model;
  const d = meta.latent_dim;
  const std = meta.organisation?.per_dim_std ?? [];
  const variance = Array.from({ length: d }, (_, j) => (std[j] ?? 0) ** 2);
  const klPerDim = meta.metrics?.kl_nats_per_dim;
  const kl = Boolean(meta.variational && klPerDim && klPerDim.length === d);
  const use = kl ? Array.from(klPerDim, Number) : variance;
  const active = variance.map((v) => v > ACTIVE_VARIANCE);
  const order = Array.from({ length: d }, (_, j) => j);
  if (d >= SORT_FROM) order.sort((a, b) => use[b] - use[a] || a - b);
  const unused = order.filter((j) => !active[j] && (!kl || use[j] < UNUSED_KL_NATS));
  return {
    use,
    unit: kl ? "nats/image" : "latent units²",
    measure: kl ? "KL to the prior" : "variance of the codes",
    variance,
    active,
    order,
    unused,
    kl,
  };
}

/**
 * The dimensions drawn by default: in order of use, the unused left out (all of them drawn where every one is
 * unused), at most `fits`.
 */
export function defaultAxes(model, fits) {
  const { order, unused } = dimensionUse(model);
  const kept = order.filter((j) => !unused.includes(j));
  return (kept.length ? kept : order).slice(0, Math.max(1, fits));
}

/** How many axes fit a plot `px` CSS pixels wide (at least 4). */
export function axesThatFit(px) {
  return Math.max(4, Math.floor(px / MIN_AXIS_PX));
}

/**
 * One sentence on the dimensions a model leaves unused, from the numbers: "20 unused dimensions: KL < 0.003
 * nats/image each", or "" when every dimension is used.
 */
export function unusedSummary(model) {
  const { use, unused, kl, unit } = dimensionUse(model);
  if (!unused.length) return "";
  const most = Math.max(...unused.map((j) => use[j]));
  const bound = most > 0 ? most : 1e-4; // exact zeros: say below the smallest bound worth writing
  const what = kl ? `KL < ${formatSmall(bound)} ${unit} each` : `variance of the codes < ${formatSmall(bound)} each`;
  return `${unused.length} unused dimension${unused.length === 1 ? "" : "s"}: ${what}`;
}

/** A small positive number to one significant digit, rounded up, so the bound it states holds: 0.0031 -> "0.004". */
export function formatSmall(v) {
  const digits = Math.max(0, -Math.floor(Math.log10(v)));
  const scale = 10 ** digits;
  return (Math.ceil(v * scale * (1 - 1e-12)) / scale).toFixed(digits);
}
