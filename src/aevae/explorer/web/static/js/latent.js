// Latent-space arithmetic the views share: axis ranges, the PCA projection and its inverse, percentiles.

/** Each dimension's axis range [lo, hi]: the span of its violin's grid, fitted to the training distribution. */
export function axisRanges(model) {
  const G = model.densityGrid.length / model.d;
  return Array.from({ length: model.d }, (_, j) => [model.densityGrid[j * G], model.densityGrid[j * G + G - 1]]);
}

/** Clamp each value of `z` to its axis range; returns a new Float64Array. */
export function clampToAxes(z, ranges) {
  return Float64Array.from(z, (v, j) => Math.min(Math.max(v, ranges[j][0]), ranges[j][1]));
}

/** Coordinates [p1, p2] of latent `z` on the model's two principal axes. */
export function project(model, z) {
  const { d, pcaComponents: c, pcaMean: mean } = model;
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
  const { d, pcaComponents: c, pcaMean: mean } = model;
  return Float64Array.from({ length: d }, (_, j) => mean[j] + p1 * c[j] + p2 * c[d + j]);
}

/**
 * Percentile (0–100) of `value` among the training values of dimension `j`, interpolated in its stored
 * percentiles 0, 1, …, 100; values beyond the training extremes give 0 or 100.
 */
export function percentile(model, j, value) {
  const q = model.quantiles.subarray(j * 101, (j + 1) * 101);
  if (value <= q[0]) return 0;
  if (value >= q[100]) return 100;
  let k = 0;
  while (q[k + 1] < value) k++;
  const span = q[k + 1] - q[k];
  return k + (span > 0 ? (value - q[k]) / span : 0.5);
}

/** A standard normal draw (Box–Muller). */
export function gaussian() {
  const u = 1 - Math.random(); // (0, 1]: log(0) would be -∞
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
}
