// Drawing model images onto canvases: Float32Array of values in [0, 1], channels first as the networks give them.
// A grey image holds side × side values (bright ink on black), a colour one 3 × side × side (red plane, green,
// blue). No side² equals 3 × side'², so the length alone says which an image is.

/** The side and channel count of an image of `length` values: [side, 1] for grey, [side, 3] for RGB. */
export function imageShape(length) {
  const grey = Math.round(Math.sqrt(length));
  if (grey * grey === length) return [grey, 1];
  const colour = Math.round(Math.sqrt(length / 3));
  if (3 * colour * colour === length) return [colour, 3];
  throw new Error(`an image of ${length} values is neither S × S grey nor 3 × S × S colour`);
}

/**
 * Draw an image onto a canvas whose backing store is side × side pixels (CSS scales it up with crisp pixels).
 * `invert` draws a grey image as black ink on white, as in the paper's figures; colour images are drawn as they
 * are (inverting a photograph gives its negative, not ink on paper).
 */
export function drawImage(canvas, image, invert) {
  const [side, channels] = imageShape(image.length);
  if (canvas.width !== side || canvas.height !== side) {
    canvas.width = side;
    canvas.height = side;
  }
  const ctx = canvas.getContext("2d");
  const out = ctx.createImageData(side, side);
  const pixels = side * side;
  if (channels === 1) {
    for (let i = 0; i < pixels; i++) {
      const v = Math.round(255 * (invert ? 1 - image[i] : image[i]));
      out.data[4 * i] = v;
      out.data[4 * i + 1] = v;
      out.data[4 * i + 2] = v;
      out.data[4 * i + 3] = 255;
    }
  } else {
    for (let i = 0; i < pixels; i++) {
      for (let c = 0; c < 3; c++) out.data[4 * i + c] = Math.round(255 * image[c * pixels + i]);
      out.data[4 * i + 3] = 255;
    }
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
