// A port of aevae.data.preprocess_image: any RGBA picture (a drawing, an uploaded file) becomes what the models saw
// in training, an MNIST-style 32×32 digit. Step for step the same arithmetic, including Pillow's Lanczos resampling
// of float images and Python's round-half-to-even, so the browser and the server agree to float precision.

const SIZE = 32; // side handed to the models
const MNIST_SIZE = 28; // MNIST's field, centred in SIZE
const BOX = 20; // larger side of the ink's bounding box, as in MNIST
const INK_FRACTION = 0.1; // pixels above this fraction of the brightest are ink when finding the bounding box
const LUMA = [0.299, 0.587, 0.114]; // ITU-R 601, as Pillow's convert("L")
const LANCZOS_SUPPORT = 3;

/**
 * RGBA pixels (e.g. ImageData.data) of a width × height picture → Float32Array(32 × 32) in [0, 1], bright ink on
 * black, normalised like MNIST; a blank picture gives all zeros.
 */
export function preprocessRGBA(rgba, width, height) {
  const n = width * height;
  const grey = new Float64Array(n);
  const alpha = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    grey[i] = (rgba[4 * i] / 255) * LUMA[0] + (rgba[4 * i + 1] / 255) * LUMA[1] + (rgba[4 * i + 2] / 255) * LUMA[2];
    alpha[i] = rgba[4 * i + 3] / 255;
  }
  const ink = inkOnBlack(grey, alpha, width, height);
  let peak = 0;
  for (const v of ink) if (v > peak) peak = v;
  if (peak <= 1e-6) return new Float32Array(SIZE * SIZE);
  const crop = cropToInk(ink, width, height, peak);
  const glyph = scaleToBox(crop);
  const field = centreByMass(glyph);
  const margin = (SIZE - MNIST_SIZE) / 2;
  const out = new Float32Array(SIZE * SIZE);
  let max = 0;
  for (const v of field) if (v > max) max = v;
  for (let y = 0; y < MNIST_SIZE; y++)
    for (let x = 0; x < MNIST_SIZE; x++) out[(y + margin) * SIZE + x + margin] = field[y * MNIST_SIZE + x] / max;
  return out;
}

// Ink intensity ≥ 0 with the background at 0, whatever the polarity and transparency (see _ink_on_black).
function inkOnBlack(grey, alpha, width, height) {
  let weight = 0;
  let visible = 0;
  for (let i = 0; i < grey.length; i++) {
    weight += alpha[i];
    visible += grey[i] * alpha[i];
  }
  if (weight <= 0) return new Float64Array(grey.length);
  const backdrop = visible / weight < 0.5 ? 1 : 0;
  let flat = new Float64Array(grey.length);
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < grey.length; i++) {
    flat[i] = alpha[i] * grey[i] + (1 - alpha[i]) * backdrop;
    low = Math.min(low, flat[i]);
    high = Math.max(high, flat[i]);
  }
  let background = median(border(flat, width, height));
  if (background - low > high - background) {
    flat = flat.map((v) => 1 - v);
    background = 1 - background;
  }
  return flat.map((v) => Math.max(v - background, 0));
}

function border(img, width, height) {
  if (Math.min(width, height) <= 2) return Array.from(img);
  const ring = [];
  for (let x = 0; x < width; x++) ring.push(img[x]);
  for (let x = 0; x < width; x++) ring.push(img[(height - 1) * width + x]);
  for (let y = 1; y < height - 1; y++) ring.push(img[y * width]);
  for (let y = 1; y < height - 1; y++) ring.push(img[y * width + width - 1]);
  return ring;
}

function median(values) {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function cropToInk(ink, width, height, peak) {
  const threshold = INK_FRACTION * peak;
  let top = height;
  let bottom = -1;
  let left = width;
  let right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > threshold) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  const w = right - left + 1;
  const h = bottom - top + 1;
  const data = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = ink[(y + top) * width + x + left];
  return { data, width: w, height: h };
}

// Resize so the larger side is BOX px, as Image.fromarray(float32).resize(size, LANCZOS) does (mode F).
function scaleToBox(crop) {
  const scale = BOX / Math.max(crop.width, crop.height);
  const outW = Math.max(1, roundHalfEven(crop.width * scale));
  const outH = Math.max(1, roundHalfEven(crop.height * scale));
  let img = { data: Float32Array.from(crop.data), width: crop.width, height: crop.height };
  if (outW !== img.width) img = resampleHorizontal(img, outW);
  if (outH !== img.height) img = resampleVertical(img, outH);
  return { data: Float64Array.from(img.data, (v) => Math.max(v, 0)), width: img.width, height: img.height };
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x) {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

function sinc(x) {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

function lanczos(x) {
  return x >= -LANCZOS_SUPPORT && x < LANCZOS_SUPPORT ? sinc(x) * sinc(x / LANCZOS_SUPPORT) : 0;
}

// Pillow's precompute_coeffs (libImaging/Resample.c): per output pixel, the first input pixel and normalised weights.
function coefficients(inSize, outSize) {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = LANCZOS_SUPPORT * filterScale;
  const taps = [];
  for (let xx = 0; xx < outSize; xx++) {
    const centre = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(centre - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(centre + support + 0.5), inSize);
    const weights = [];
    let total = 0;
    for (let x = xmin; x < xmax; x++) {
      const w = lanczos((x - centre + 0.5) / filterScale);
      weights.push(w);
      total += w;
    }
    taps.push({ start: xmin, weights: total === 0 ? weights : weights.map((w) => w / total) });
  }
  return taps;
}

function resampleHorizontal(img, outW) {
  const taps = coefficients(img.width, outW);
  const data = new Float32Array(outW * img.height); // mode F: every pass stores float32
  for (let y = 0; y < img.height; y++) {
    for (let xx = 0; xx < outW; xx++) {
      const { start, weights } = taps[xx];
      let sum = 0;
      for (let k = 0; k < weights.length; k++) sum += img.data[y * img.width + start + k] * weights[k];
      data[y * outW + xx] = sum;
    }
  }
  return { data, width: outW, height: img.height };
}

function resampleVertical(img, outH) {
  const taps = coefficients(img.height, outH);
  const data = new Float32Array(img.width * outH);
  for (let yy = 0; yy < outH; yy++) {
    const { start, weights } = taps[yy];
    for (let x = 0; x < img.width; x++) {
      let sum = 0;
      for (let k = 0; k < weights.length; k++) sum += img.data[(start + k) * img.width + x] * weights[k];
      data[yy * img.width + x] = sum;
    }
  }
  return { data, width: img.width, height: outH };
}

// Place the glyph in a 28×28 field with its centre of mass at (14, 14), never cutting any of it off.
function centreByMass(glyph) {
  const { data, width, height } = glyph;
  let mass = 0;
  let my = 0;
  let mx = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x];
      mass += v;
      my += v * y;
      mx += v * x;
    }
  }
  const centre = MNIST_SIZE / 2;
  const top = clamp(roundHalfEven(centre - my / mass), 0, MNIST_SIZE - height);
  const left = clamp(roundHalfEven(centre - mx / mass), 0, MNIST_SIZE - width);
  const field = new Float64Array(MNIST_SIZE * MNIST_SIZE);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) field[(y + top) * MNIST_SIZE + x + left] = data[y * width + x];
  return field;
}

function clamp(v, lo, hi) {
  return Math.min(Math.max(v, lo), hi);
}
