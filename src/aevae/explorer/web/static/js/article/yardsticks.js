// Yardsticks that give the article's numbers a size a reader can picture: a loss per pixel beside what always
// predicting the mean image would score, and the length a code drawn from N(0, I) has on average in d dimensions.

const CLAMP = 1e-6; // keeps log(0) out of the BCE of a pixel the mean image never inks

/** BCE of image `x` against prediction `p` (both in [0, 1]), in nats summed over the pixels. */
export function bceNats(x, p) {
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const q = Math.min(1 - CLAMP, Math.max(CLAMP, p[i]));
    total -= x[i] * Math.log(q) + (1 - x[i]) * Math.log(1 - q);
  }
  return total;
}

/**
 * The "always predict the mean image" baseline on the gallery's test images (the page carries no other data):
 * {n, pixels, bce} — BCE of each image against their pixel-wise mean, nats/image, mean over the n images.
 */
export function meanImageBaseline(gallery) {
  const images = gallery.filter((item) => item.kind === "test").map((item) => item.image);
  if (!images.length) return null;
  const mean = new Float64Array(images[0].length);
  for (const image of images) for (let i = 0; i < mean.length; i++) mean[i] += image[i] / images.length;
  const bce = images.reduce((s, image) => s + bceNats(image, mean), 0) / images.length;
  return { n: images.length, pixels: mean.length, bce };
}

/** E‖z‖ for z ~ N(0, I_d): √2 · Γ((d + 1)/2) / Γ(d/2), by the recurrence r(d + 1) = d / (2 r(d)), r(1) = 1/√π. */
export function expectedNorm(d) {
  let r = 1 / Math.sqrt(Math.PI);
  for (let k = 1; k < d; k++) r = k / (2 * r);
  return Math.SQRT2 * r;
}
