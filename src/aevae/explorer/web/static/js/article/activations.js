// Feature maps and vectors drawn small: the thumbnails inside Figure 1's blocks. Values arrive channels-last
// (see network.js's trace); each map is scaled to its own range so a weak channel still shows its pattern.

const MAX_MAPS = 8; // channels shown per block: enough to see what a layer does, small enough to read

/** How many channels of a layer the figure shows. */
export function shownMaps(shape) {
  return shape.length === 3 ? Math.min(shape[0], MAX_MAPS) : 1;
}

/**
 * Draw a layer's output onto `canvas`: a [C, H, W] map as up to eight H×W tiles (dark = strong), a vector [n] as
 * a strip of n cells (dark = large).
 */
export function drawActivation(canvas, values, shape) {
  if (shape.length === 3) {
    const [c, h, w] = shape;
    const shown = Math.min(c, MAX_MAPS);
    const cols = Math.min(shown, 4);
    const rows = Math.ceil(shown / cols);
    resize(canvas, cols * (w + 1) - 1, rows * (h + 1) - 1);
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(canvas.width, canvas.height);
    img.data.fill(255);
    for (let k = 0; k < shown; k++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let p = 0; p < h * w; p++) {
        const v = values[p * c + k];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const span = hi - lo || 1;
      const ox = (k % cols) * (w + 1);
      const oy = Math.floor(k / cols) * (h + 1);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const g = 255 - Math.round((255 * (values[(y * w + x) * c + k] - lo)) / span);
          const o = 4 * ((oy + y) * canvas.width + ox + x);
          img.data[o] = g;
          img.data[o + 1] = g;
          img.data[o + 2] = g;
        }
      }
    }
    ctx.putImageData(img, 0, 0);
    return;
  }
  const n = shape[0];
  const cols = Math.min(n, 16);
  const rows = Math.ceil(n / cols);
  resize(canvas, cols, rows);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  const span = hi - lo || 1;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(cols, rows);
  img.data.fill(255);
  for (let i = 0; i < n; i++) {
    const g = 255 - Math.round((255 * (values[i] - lo)) / span);
    img.data.set([g, g, g, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}

function resize(canvas, width, height) {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
}
