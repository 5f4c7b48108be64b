// Latent-space arithmetic the views share: axis ranges, the PCA projection and its inverse, percentiles.

/** Each dimension's axis range [lo, hi]: the span of its violin's grid, fitted to the training distribution. */
export function axisRanges(model) {
  const d = model.meta.latent_dim;
  const G = model.densityGrid.length / d;
  return Array.from({ length: d }, (_, j) => [model.densityGrid[j * G], model.densityGrid[j * G + G - 1]]);
}

/** Clamp each value of `z` to its axis range; returns a new Float64Array. */
export function clampToAxes(z, ranges) {
  return Float64Array.from(z, (v, j) => Math.min(Math.max(v, ranges[j][0]), ranges[j][1]));
}

/** Coordinates [p1, p2] of latent `z` on the model's two principal axes. */
export function project(model, z) {
  const { pcaComponents: c, pcaMean: mean } = model;
  const d = model.meta.latent_dim;
  let p1 = 0;
  let p2 = 0;
  for (let j = 0; j < d; j++) {
    p1 += (z[j] - mean[j]) * c[j];
    p2 += (z[j] - mean[j]) * c[d + j];
  }
  return [p1, p2];
}

/** The latent at PCA coordinates (p1, p2), every other principal component at the data mean. */
export function unproject(model, p1, p2) {
  const { pcaComponents: c, pcaMean: mean } = model;
  const d = model.meta.latent_dim;
  return Float64Array.from({ length: d }, (_, j) => mean[j] + p1 * c[j] + p2 * c[d + j]);
}

/**
 * Percentile (0–100) of `value` among the training values of dimension `j`, interpolated in its stored
 * percentiles 0, 1, …, 100; values beyond the training extremes give 0 or 100.
 */
export function percentile(model, j, value) {
  const q = model.quantiles.subarray(j * 101, (j + 1) * 101);
  if (q[0] === q[100] && value === q[0]) return 50; // a collapsed dimension: every code there, this one too
  if (value <= q[0]) return 0;
  if (value >= q[100]) return 100;
  let k = 0;
  while (q[k + 1] < value) k++;
  const span = q[k + 1] - q[k];
  return k + (span > 0 ? (value - q[k]) / span : 0.5);
}

/** "1st", "52nd", "99.7th". */
export function ordinal(p) {
  const text = (p < 1 || p > 99 ? p.toFixed(1) : p.toFixed(0)).replace(/\.0$/, "");
  if (text.includes(".")) return `${text}th`;
  const n = Number(text);
  const teen = n % 100 >= 11 && n % 100 <= 13;
  return `${text}${teen ? "th" : ["th", "st", "nd", "rd"][n % 10] || "th"}`;
}

/** A standard normal draw (Box–Muller). */
export function gaussian() {
  const u = 1 - Math.random(); // (0, 1]: log(0) would be -∞
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
}

/**
 * The axes of the parallel plot, [lo, hi] each. With `fit` they are the shown model's own ranges; otherwise there
 * are max(d) axes and each spans the ranges of every model that has that dimension, so both models' spreads are
 * drawn to one scale (a model with fewer dimensions is drawn on the first axes only). With `common` (the
 * dimensions drawn), every axis spans the same range, the union of theirs: all in the same latent units.
 * @param {{[slot: string]: {ranges: number[][]}}} models (each range list has one entry per latent dimension)
 * @param {string} shown the slot drawn in colour
 * @param {boolean} fit
 * @param {number[]|null} common
 */
export function plotAxes(models, shown, fit, common = null) {
  const all = fit ? [models[shown]] : Object.values(models);
  const d = Math.max(...all.map((m) => m.ranges.length));
  const axes = Array.from({ length: d }, (_, j) => {
    const ranges = all.filter((m) => j < m.ranges.length).map((m) => m.ranges[j]);
    return [Math.min(...ranges.map((r) => r[0])), Math.max(...ranges.map((r) => r[1]))];
  });
  if (!common?.length) return axes;
  const span = [Math.min(...common.map((j) => axes[j][0])), Math.max(...common.map((j) => axes[j][1]))];
  return axes.map(() => span);
}

/** Round tick values inside [lo, hi], about `count` of them, spaced 1, 2 or 5 × 10^k apart. */
export function niceTicks(lo, hi, count = 5) {
  const raw = (hi - lo) / Math.max(1, count);
  if (!(raw > 0)) return [];
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = power * ([1, 2, 5, 10].find((f) => f * power >= raw) || 10);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const ticks = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + 1e-9 * step; k++) ticks.push(Number((k * step).toFixed(decimals)));
  return ticks;
}

/** A draw z ~ q(z|x) = N(μ, diag σ²) for an input's code {mu, sigma} (the VAE's reparameterisation). */
export function sampleCode({ mu, sigma }) {
  return Float64Array.from(mu, (m, j) => m + sigma[j] * gaussian());
}
