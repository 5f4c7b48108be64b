// A port of aevae.data.prepare_image: any RGBA picture (a drawing, an uploaded file) becomes what a model saw in
// training. "glyph" (digits, letters, drawings): an MNIST-style digit, grey, bright ink on black; "fit" (photos,
// sprites): the shorter side resized to the model's size, the longer one cropped about the centre, colour kept.
// Step for step the same arithmetic as Python, including Pillow's Lanczos resampling of float images and Python's
// round-half-to-even, so the browser and the server agree to float precision.

const SIZE = 32; // side of the default models; a 64 px model doubles every length below
const MNIST_SIZE = 28; // MNIST's field, centred in SIZE
const BOX = 20; // larger side of the ink's bounding box, as in MNIST
const INK_FRACTION = 0.1; // pixels above this fraction of the brightest are ink when finding the bounding box
const LUMA = [0.299, 0.587, 0.114]; // ITU-R 601, as Pillow's convert("L")
const LANCZOS_SUPPORT = 3;

/**
 * RGBA pixels of a width × height picture, prepared as a model with this layout takes them.
 * @param {{preprocess?: "glyph"|"fit", size?: number, channels?: 1|3}} layout the model's (dataset.js inputLayout)
 * @returns {Float32Array} size × size (grey) or 3 × size × size (colour, channels first), values in [0, 1]
 */
export function prepareRGBA(rgba, width, height, { preprocess = "glyph", size = SIZE, channels = 1 } = {}) {
  if (preprocess === "fit") return fitRGBA(rgba, width, height, size, channels);
  const grey = glyphAtSide(rgba, width, height, size);
  if (channels === 1) return grey;
  const out = new Float32Array(3 * grey.length); // glyph is grey by nature: copied to the three channels
  for (let c = 0; c < 3; c++) out.set(grey, c * grey.length);
  return out;
}

// glyph at any side, as preprocess_image: 32 and 64 directly, another side (28, say) the nearer of them resized.
function glyphAtSide(rgba, width, height, size) {
  if (size === SIZE || size === 2 * SIZE) return preprocessRGBA(rgba, width, height, size);
  const base = size > SIZE ? 2 * SIZE : SIZE;
  let img = { data: preprocessRGBA(rgba, width, height, base), width: base, height: base };
  img = resampleVertical(resampleHorizontal(img, size), size);
  return Float32Array.from(img.data, (v) => clamp(v, 0, 1));
}

/**
 * RGBA pixels (e.g. ImageData.data) of a width × height picture → Float32Array(size × size) in [0, 1], bright ink
 * on black, normalised like MNIST (at 64 px every length doubled); a blank picture gives all zeros.
 */
export function preprocessRGBA(rgba, width, height, size = SIZE) {
  const scale = size / SIZE;
  const field = MNIST_SIZE * scale;
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
  if (peak <= 1e-6) return new Float32Array(size * size);
  const crop = cropToInk(ink, width, height, peak);
  const glyph = scaleToBox(crop, BOX * scale);
  const placed = centreByMass(glyph, field);
  const margin = (size - field) / 2;
  const out = new Float32Array(size * size);
  let max = 0;
  for (const v of placed) if (v > max) max = v;
  for (let y = 0; y < field; y++)
    for (let x = 0; x < field; x++) out[(y + margin) * size + x + margin] = placed[y * field + x] / max;
  return out;
}

// fit_image: colour over black (transparent pixels black), each channel resized as a float image so the shorter
// side is `size`, then the centre `size` × `size` cut out; grey models take the ITU-R 601 luma of it.
function fitRGBA(rgba, width, height, size, channels) {
  const scale = size / Math.min(width, height);
  const outW = Math.max(size, roundHalfEven(width * scale));
  const outH = Math.max(size, roundHalfEven(height * scale));
  const left = Math.floor((outW - size) / 2);
  const top = Math.floor((outH - size) / 2);
  const planes = [0, 1, 2].map((c) => {
    let img = { data: new Float32Array(width * height), width, height };
    for (let i = 0; i < width * height; i++) img.data[i] = (rgba[4 * i + c] / 255) * (rgba[4 * i + 3] / 255);
    if (outW !== img.width) img = resampleHorizontal(img, outW);
    if (outH !== img.height) img = resampleVertical(img, outH);
    const cut = new Float64Array(size * size);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) cut[y * size + x] = clamp(img.data[(y + top) * outW + x + left], 0, 1);
    return cut;
  });
  if (channels === 3) {
    const out = new Float32Array(3 * size * size);
    planes.forEach((plane, c) => out.set(plane, c * size * size));
    return out;
  }
  return Float32Array.from(planes[0], (r, i) => LUMA[0] * r + LUMA[1] * planes[1][i] + LUMA[2] * planes[2][i]);
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

// Resize so the larger side is `box` px, as Image.fromarray(float32).resize(size, LANCZOS) does (mode F).
function scaleToBox(crop, box) {
  const scale = box / Math.max(crop.width, crop.height);
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

// Place the glyph in a field × field square (28 at 32 px) with its centre of mass at its centre, never cutting any
// of it off.
function centreByMass(glyph, field) {
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
  const centre = field / 2;
  const top = clamp(roundHalfEven(centre - my / mass), 0, field - height);
  const left = clamp(roundHalfEven(centre - mx / mass), 0, field - width);
  const placed = new Float64Array(field * field);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) placed[(y + top) * field + x + left] = data[y * width + x];
  return placed;
}

function clamp(v, lo, hi) {
  return Math.min(Math.max(v, lo), hi);
}
