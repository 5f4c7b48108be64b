// The drawing pad and the file upload: your own inputs, prepared the way the models take theirs (preprocess.js,
// dataset.js inputLayout). Every finished stroke re-normalises the drawing the MNIST way, shows it as an input line
// at once and snaps the reconstruction lines to it; "New drawing" keeps it and starts another. Pointer events serve
// mouse, pen and touch alike; the keyboard adds strokes from a list (a vertical line, a ring, ...) that go through the
// same path as a drawn one. The pad is offered only to models of drawn things ("glyph": digits, letters); models
// of photos or sprites ("fit") get the upload alone, since a sketch on black is nothing like what they saw.
// Where a model runs in Python only (remote.js), the file itself, or the pad's grey levels, go to Python, which
// prepares and encodes them; the newest stroke's answer is the one kept.

import { addInput, snapTo, updateInput } from "./actions.js";
import { inputLayout, itemNoun } from "./dataset.js";
import { prepareRGBA } from "./preprocess.js";
import { encodeInPython } from "./remote.js";

const PAD_PIXELS = 280; // the pad's backing store: the scale the probes were drawn at (aevae.data.probes.CANVAS)
const STROKE = 22; // pen width in pad pixels, near the probes' stroke, so drawings look like digits once shrunk
const MAX_UPLOAD_SIDE = 2048; // larger pictures are scaled down before normalising, to keep the page responsive
// Strokes the keyboard can add, as points in fractions of the pad: enough to build a 1, 0, 7, 4, + or × from.
const PRESETS = {
  "vertical line": [[0.5, 0.15], [0.5, 0.85]],
  "horizontal line": [[0.2, 0.5], [0.8, 0.5]],
  "bar at the top": [[0.25, 0.18], [0.75, 0.18]],
  "diagonal ╱": [[0.3, 0.85], [0.72, 0.15]],
  "diagonal ╲": [[0.28, 0.15], [0.7, 0.85]],
  ring: Array.from({ length: 33 }, (_, k) => [0.5 + 0.25 * Math.sin((k * Math.PI) / 16),
    0.5 - 0.34 * Math.cos((k * Math.PI) / 16)]),
};
const BLANK = "the image is blank (one flat colour, no strokes or shapes): there is nothing to encode.";

/**
 * @param {HTMLElement} el container
 * @param {object} state the shared state
 * @param {{size?: number}} options size: CSS pixels of the square pad
 */
export function createDrawPad(el, state, { size = 168 } = {}) {
  const noun = itemNoun(state.models.vae.meta).a;
  const layout = inputLayout(state.models.vae.meta); // both models take one layout (the bundle checks it)
  const pads = layout.preprocess === "glyph";
  const python = Object.values(state.models).some((m) => m.net.remote); // encodes new pictures in Python
  // The status line sits below the pad and keeps one height, so no message moves the pad under the pointer.
  el.innerHTML = `
    <canvas class="pad" width="${PAD_PIXELS}" height="${PAD_PIXELS}" style="width:${size}px;height:${size}px"
            aria-label="drawing pad: draw with the mouse, a pen or a finger" ${pads ? "" : "hidden"}></canvas>
    <div class="pad-buttons">
      <button type="button" class="pad-new" ${pads ? "" : "hidden"}>New drawing</button>
      <span class="pad-keys" ${pads ? "" : "hidden"}><select class="pad-preset" aria-label="a stroke to add to the drawing">
        ${Object.keys(PRESETS).map((name) => `<option>${name}</option>`).join("")}</select>
        <button type="button" class="pad-add">Add stroke</button></span>
      <span class="upload"><button type="button" class="upload-button" title="or drop an image file here">Upload image…</button><input type="file"
        accept="image/*" hidden tabindex="-1"></span>
    </div>
    <div class="pad-status" role="status"></div>`;
  const pad = el.querySelector(".pad");
  const status = el.querySelector(".pad-status");
  const ctx = pad.getContext("2d", { willReadFrequently: true });
  let drawing = null; // the input this pad's strokes update
  let drawings = 0; // numbers the drawings: "drawing 1", "drawing 2", ...
  let last = null;
  let asked = 0; // numbers the pictures sent to Python: an answer to an older one is dropped

  function clear() {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, PAD_PIXELS, PAD_PIXELS);
    drawing = null;
    asked++;
    status.textContent = pads ? `Draw ${noun} (or anything) here.`
      : `Upload a picture (or drop one here): it is resized and cropped to ${layout.size}×${layout.size}, ${layout.channels === 3
        ? "colour kept" : "in grey"}, as the training images were.`;
  }

  function at(event) {
    const box = pad.getBoundingClientRect();
    return [((event.clientX - box.left) / box.width) * PAD_PIXELS, ((event.clientY - box.top) / box.height) * PAD_PIXELS];
  }

  function line(from, to) {
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = STROKE;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(...from);
    ctx.lineTo(...to);
    ctx.stroke();
  }

  pad.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    pad.setPointerCapture(event.pointerId);
    last = at(event);
    line(last, last);
  });
  pad.addEventListener("pointermove", (event) => {
    if (!last) return;
    const p = at(event);
    line(last, p);
    last = p;
  });
  // The drawing as an input (its codes found in Python where given), its lines snapped to it.
  function show(image, codes = null) {
    if (drawing) updateInput(state, drawing, image, codes);
    else drawing = addInput(state, image, `drawing ${++drawings}`, "drawing", codes);
    snapTo(state, drawing); // the outputs show at once what each model makes of the drawing
    status.textContent = "Each stroke updates your drawing's line.";
  }

  const finish = async () => {
    if (!last) return;
    last = null;
    const rgba = ctx.getImageData(0, 0, PAD_PIXELS, PAD_PIXELS).data;
    if (!python) {
      const image = prepareRGBA(rgba, PAD_PIXELS, PAD_PIXELS, layout);
      if (isBlank(image)) status.textContent = BLANK;
      else show(image);
      return;
    }
    const ticket = ++asked;
    const pixels = Array.from({ length: PAD_PIXELS }, (_, y) => Array.from({ length: PAD_PIXELS },
      (_, x) => rgba[4 * (y * PAD_PIXELS + x)])); // white ink on black: the red channel is the grey level
    status.textContent = "Encoding your drawing in Python…";
    try {
      const { image, codes } = await encodeInPython(state.models, { pixels });
      if (ticket === asked) show(image, codes);
    } catch (error) {
      if (ticket === asked) status.textContent = `Could not encode the drawing: ${error.message}`;
    }
  };
  pad.addEventListener("pointerup", finish);
  pad.addEventListener("pointercancel", finish);
  el.querySelector(".pad-new").addEventListener("click", clear);
  el.querySelector(".pad-add").addEventListener("click", () => {
    const points = PRESETS[el.querySelector(".pad-preset").value].map(([fx, fy]) => [fx * PAD_PIXELS, fy * PAD_PIXELS]);
    points.forEach((p, k) => line(points[Math.max(0, k - 1)], p));
    last = points[points.length - 1];
    finish();
  });
  // A file input cannot be styled; a real button opens its dialogue, so the keyboard reaches it like any other.
  el.querySelector(".upload-button").addEventListener("click", () => el.querySelector("input[type=file]").click());

  el.querySelector("input[type=file]").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = ""; // choosing the same file again still fires "change"
    if (file) upload(file);
  });
  // A file dropped on the pad or its buttons is uploaded the same way; outlined while a file is held over it.
  el.addEventListener("dragover", (event) => {
    if (!event.dataTransfer?.types.includes("Files")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    el.classList.add("dropping");
  });
  el.addEventListener("dragleave", (event) => {
    if (!el.contains(event.relatedTarget)) el.classList.remove("dropping");
  });
  el.addEventListener("drop", (event) => {
    el.classList.remove("dropping");
    const file = event.dataTransfer?.files[0];
    if (!file) return;
    event.preventDefault();
    upload(file);
  });

  async function upload(file) {
    try {
      if (python) {
        status.textContent = `Encoding ${file.name} in Python…`;
        const { image, codes } = await encodeInPython(state.models, file);
        snapTo(state, addInput(state, image, file.name, "upload", codes));
        status.textContent = `Added ${file.name}.`;
        return;
      }
      const image = await imageFromFile(file, layout);
      if (isBlank(image)) {
        status.textContent = `${file.name}: ${BLANK}`;
        return;
      }
      snapTo(state, addInput(state, image, file.name, "upload"));
      status.textContent = `Added ${file.name}.`;
    } catch (error) {
      status.textContent = `Could not read ${file.name}: ${error.message}`;
    }
  }

  clear();
  return { pad };
}

// The glyph way's answer to a picture without ink (and a black picture's fitted): all zeros, whose latent would mean
// nothing (the API says 422).
function isBlank(image) {
  return image.every((v) => v === 0);
}

/** A file the browser can decode → the model's input (prepareRGBA), for the model's `layout`. */
async function imageFromFile(file, layout) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_UPLOAD_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return prepareRGBA(ctx.getImageData(0, 0, width, height).data, width, height, layout);
}
