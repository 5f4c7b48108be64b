// Drawing model images (Float32Array of side × side grey levels in [0, 1], bright ink on black) onto canvases.

/**
 * Draw an image onto a canvas whose backing store is side × side pixels (CSS scales it up with crisp pixels).
 * `invert` draws black ink on white, as in the paper's figures.
 */
export function drawImage(canvas, image, invert) {
  const side = Math.round(Math.sqrt(image.length));
  if (canvas.width !== side || canvas.height !== side) {
    canvas.width = side;
    canvas.height = side;
  }
  const ctx = canvas.getContext("2d");
  const out = ctx.createImageData(side, side);
  for (let i = 0; i < image.length; i++) {
    const v = Math.round(255 * (invert ? 1 - image[i] : image[i]));
    out.data[4 * i] = v;
    out.data[4 * i + 1] = v;
    out.data[4 * i + 2] = v;
    out.data[4 * i + 3] = 255;
  }
  ctx.putImageData(out, 0, 0);
}

/** A new canvas showing `image`, with the given CSS class. */
export function imageCanvas(image, invert, className) {
  const canvas = document.createElement("canvas");
  canvas.className = className;
  drawImage(canvas, image, invert);
  return canvas;
}
