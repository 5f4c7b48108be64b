// Figure 2, the holes: what each model decodes where it saw no training code. Three views, both models side by
// side, every image decoded in the browser by the models' own networks (the same createNetwork the other figures
// use):
//   - the straight line between two chosen inputs' codes (the AE's code, the VAE's mean μ), with a handle t that
//     runs a little past both ends, and a strip of fixed steps along it;
//   - the same draws z ~ N(0, I) decoded by both models, with a button that draws again;
//   - a 2-D slice: two chosen dimensions swept over each model's training range as a grid, the other dimensions
//     held at input A's code.
// A drag of the handle (or a click on a step of the strip) decodes two images, one per model: well within one
// frame. The strips, the draws and the grids hold more images; they are decoded a few per frame (see
// `createScheduler`), so no frame waits on them.

import { SLOTS } from "../bundle.js";
import { drawImage, imageShape } from "../images.js";
import { gaussian } from "../latent.js";
import { decodeThen } from "../remote.js";
import { esc, num } from "./format.js";

const STEPS = [-0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5]; // the strip's positions on the line (A at 0, B at 1)
const DRAWS = 6; // prior draws decoded by both models
const GRID = 7; // cells per side of the 2-D slice
const FRAME_BUDGET_MS = 8; // decoding work allowed per animation frame for the strips, draws and grids

/**
 * A queue of decoding jobs run a few per animation frame, at most FRAME_BUDGET_MS of work in each frame whatever
 * the number of queues. run(name, jobs, done) replaces the queue `name` (a newer request — another input, another
 * draw — supersedes an unfinished one) and calls done() once its last job ran. Nothing runs before the next frame,
 * so building the figure decodes only what a drag needs.
 */
export function createScheduler() {
  const queues = new Map(); // name -> {jobs, next, done}
  let pending = false;
  const step = () => {
    pending = false;
    const start = performance.now();
    while (queues.size && performance.now() - start < FRAME_BUDGET_MS) {
      for (const [name, q] of queues) { // one job of each queue in turn
        q.jobs[q.next++]();
        if (q.next === q.jobs.length) {
          queues.delete(name);
          q.done();
        }
      }
    }
    if (queues.size) schedule();
  };
  const schedule = () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(step);
    }
  };
  return {
    run(name, jobs, done = () => {}) {
      queues.delete(name);
      if (jobs.length) queues.set(name, { jobs, next: 0, done });
      else done();
      schedule();
    },
  };
}

/** Paint `image` (a decoded image, channels first) into `out` (ImageData) as the tile at cell (col, row). */
function paintTile(out, image, col, row) {
  const [side, channels] = imageShape(image.length);
  const pixels = side * side;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const o = 4 * ((row * side + y) * out.width + col * side + x);
      const i = y * side + x;
      for (let c = 0; c < 3; c++) {
        out.data[o + c] = Math.round(255 * (channels === 1 ? 1 - image[i] : image[c * pixels + i])); // ink on white
      }
      out.data[o + 3] = 255;
    }
  }
}

const lerp = (a, b, t) => Float64Array.from(a, (v, j) => v + t * (b[j] - v));

/**
 * Build the holes figure inside `el`.
 * @returns {{setT: (t: number) => number, resample: () => void, codes: object}} setT moves the handle and returns
 *   its milliseconds of work (two decodes and two draws)
 */
export function createHolesFigure(el, ctx) {
  const models = SLOTS.map((slot) => ({ slot, ...ctx.models[slot], name: ctx.models[slot].meta.kind.toUpperCase() }));
  const dims = (m) => m.meta.latent_dim;
  const tests = ctx.gallery.map((item, i) => [item, i]).filter(([item]) => item.kind === "test");
  const pool = tests.length ? tests : ctx.gallery.map((item, i) => [item, i]);
  const a0 = pool[0][1];
  const b0 = (pool.find(([item]) => item.label !== ctx.gallery[a0].label) || pool[pool.length - 1])[1];
  const options = (selected) => pool.map(([item, i]) =>
    `<option value="${i}"${i === selected ? " selected" : ""}>${esc(item.name)}</option>`).join("");
  const dMin = Math.min(...models.map(dims));
  const dimOptions = (selected) => Array.from({ length: dMin }, (_, j) =>
    `<option value="${j}"${j === selected ? " selected" : ""}>z${j + 1}</option>`).join("");
  const sameD = models.every((m) => dims(m) === dims(models[0]));

  el.innerHTML = `
    <div class="fig-controls">
      <label class="pick" for="holes-a">From A <select id="holes-a" class="holes-a">${options(a0)}</select></label>
      <label class="pick" for="holes-b">to B <select id="holes-b" class="holes-b">${options(b0)}</select></label>
    </div>
    <div class="holes-line">
      <div class="holes-now-row">${models.map((m) => `
        <figure class="mini holes-now" data-slot="${m.slot}"><canvas class="holes-now-canvas" role="img"
          aria-label="the ${m.name}'s decoding of the point t on the line"></canvas>
          <figcaption>${m.name} at t</figcaption></figure>`).join("")}
        <label class="holes-t-wrap" for="holes-t">Move along the line
          <input type="range" id="holes-t" class="holes-t" min="${STEPS[0]}" max="${STEPS[STEPS.length - 1]}"
            step="0.01" value="0.5" aria-describedby="holes-t-note">
          <output class="holes-t-out" for="holes-t">t = 0.50</output>
          <span id="holes-t-note" class="fig-note">z = z<sub>A</sub> + t·(z<sub>B</sub> − z<sub>A</sub>): t = 0 is
            A's code, t = 1 is B's; below 0 and above 1 the line runs past them.</span></label>
      </div>
      <div class="holes-strips" role="group" aria-label="Decodings at fixed steps along the line">
        <div class="holes-steps" aria-hidden="true"><span></span>${STEPS.map((t) =>
          `<span>${t === 0 ? "A" : t === 1 ? "B" : num(t, 2)}</span>`).join("")}</div>
        ${models.map((m) => `<div class="holes-strip" data-slot="${m.slot}"><span class="holes-row-name">${m.name}</span>${STEPS.map((t) =>
          `<canvas class="holes-step${t === 0 || t === 1 ? " endpoint" : ""}" role="img"
            aria-label="${m.name} decoding at t = ${num(t, 2)}"></canvas>`).join("")}</div>`).join("")}
      </div>
    </div>
    <h3 class="fig-sub">Draws from the prior N(0, I)</h3>
    <div class="fig-controls"><button type="button" class="holes-resample">Draw again</button>
      <span class="fig-note">${sameD ? `The same ${dims(models[0])} numbers, decoded by each model.` :
        `Each model gets its own draw of its d numbers (d = ${models.map((m) => `${dims(m)} for the ${m.name}`).join(", ")}).`}</span></div>
    <div class="holes-prior">${models.map((m) => `<div class="holes-strip" data-slot="${m.slot}">
      <span class="holes-row-name">${m.name}</span>${Array.from({ length: DRAWS }, (_, k) =>
        `<canvas class="holes-draw" role="img" aria-label="${m.name} decoding of prior draw ${k + 1}"></canvas>`).join("")}</div>`).join("")}
    </div>
    ${dMin >= 2 ? `<h3 class="fig-sub">A slice through each code space</h3>
    <div class="fig-controls">
      <label class="pick" for="holes-i">across <select id="holes-i" class="holes-i">${dimOptions(0)}</select></label>
      <label class="pick" for="holes-j">up <select id="holes-j" class="holes-j">${dimOptions(1)}</select></label>
    </div>
    <div class="holes-grids">${models.map((m) => `<figure class="holes-grid-fig" data-slot="${m.slot}">
      <canvas class="holes-grid" role="img" aria-label="the ${m.name}'s decodings over a ${GRID} by ${GRID} grid of two latent dimensions"></canvas>
      <figcaption class="holes-grid-cap"></figcaption></figure>`).join("")}</div>` : ""}`;

  const $ = (s) => el.querySelector(s);
  const codes = {}; // slot -> {a, b}: A's and B's codes (the AE's code, the VAE's μ)
  const scheduler = createScheduler();

  function encodeInputs() {
    const a = ctx.gallery[Number($(".holes-a").value)].image;
    const b = ctx.gallery[Number($(".holes-b").value)].image;
    for (const m of models) codes[m.slot] = { a: Float64Array.from(m.net.encode(a).mu), b: Float64Array.from(m.net.encode(b).mu) };
  }

  function setT(t) {
    const start = performance.now();
    for (const m of models) {
      const { a, b } = codes[m.slot];
      const canvas = el.querySelector(`.holes-now[data-slot="${m.slot}"] canvas`);
      decodeThen(m.net, `holes-now-${m.slot}`, lerp(a, b, t), (image) => drawImage(canvas, image, true));
    }
    $(".holes-t-out").textContent = `t = ${num(t, 2)}`;
    el.dataset.t = String(t);
    const ms = performance.now() - start;
    el.dataset.dragMs = ms.toFixed(3);
    return ms;
  }

  function drawStrips() {
    const jobs = [];
    for (const m of models) {
      const canvases = el.querySelectorAll(`.holes-strips .holes-strip[data-slot="${m.slot}"] canvas`);
      STEPS.forEach((t, k) => jobs.push(() => decodeThen(m.net, `holes-strip-${m.slot}-${k}`,
        lerp(codes[m.slot].a, codes[m.slot].b, t), (image) => drawImage(canvases[k], image, true))));
    }
    scheduler.run("strips", jobs, () => {
      el.dataset.strips = String(Number(el.dataset.strips || 0) + 1);
    });
  }

  function resample() {
    const drawFor = (d) => Array.from({ length: DRAWS }, () => Float64Array.from({ length: d }, gaussian));
    const shared = sameD ? drawFor(dims(models[0])) : null; // one draw for both models where their d agree
    const draws = models.map((m) => shared || drawFor(dims(m)));
    const jobs = [];
    models.forEach((m, s) => {
      const canvases = el.querySelectorAll(`.holes-prior .holes-strip[data-slot="${m.slot}"] canvas`);
      draws[s].forEach((z, k) => jobs.push(() => decodeThen(m.net, `holes-prior-${m.slot}-${k}`, z,
        (image) => drawImage(canvases[k], image, true))));
    });
    el.dataset.draws = JSON.stringify(draws.map((row) => row.map((z) => Array.from(z))));
    scheduler.run("prior", jobs, () => {
      el.dataset.resampled = String(Number(el.dataset.resampled || 0) + 1);
    });
  }

  function drawGrids() {
    if (dMin < 2) return;
    const i = Number($(".holes-i").value);
    let j = Number($(".holes-j").value);
    if (j === i) j = (i + 1) % dMin;
    const jobs = [];
    for (const m of models) {
      const canvas = el.querySelector(`.holes-grid-fig[data-slot="${m.slot}"] canvas`);
      const held = codes[m.slot].a;
      const side = m.meta.image_size;
      canvas.width = canvas.height = side * GRID;
      const c2d = canvas.getContext("2d");
      const out = c2d.createImageData(canvas.width, canvas.height);
      const [xi0, xi1] = m.ranges[i];
      const [yj0, yj1] = m.ranges[j];
      const at = (lo, hi, k) => lo + ((hi - lo) * (k + 0.5)) / GRID; // cell centres
      for (let row = 0; row < GRID; row++) {
        for (let col = 0; col < GRID; col++) {
          jobs.push(() => { // one cell: one decode, and only its tile put on the canvas
            const z = Float64Array.from(held);
            z[i] = at(xi0, xi1, col);
            z[j] = at(yj1, yj0, row); // the top row is the high end
            decodeThen(m.net, `holes-grid-${m.slot}-${row}-${col}`, z, (image) => {
              paintTile(out, image, col, row);
              c2d.putImageData(out, 0, 0, col * side, row * side, side, side);
            });
          });
        }
      }
      jobs.push(() => { // where A's own code lies in the slice
        const px = ((held[i] - xi0) / (xi1 - xi0)) * canvas.width;
        const py = ((yj1 - held[j]) / (yj1 - yj0)) * canvas.height;
        c2d.strokeStyle = "#d4006a";
        c2d.lineWidth = Math.max(2, side / 10);
        c2d.strokeRect(px - side / 2, py - side / 2, side, side);
      });
      el.querySelector(`.holes-grid-fig[data-slot="${m.slot}"] .holes-grid-cap`).innerHTML = `${m.name}: z${i + 1}
        from ${num(xi0, 1)} to ${num(xi1, 1)} across, z${j + 1} from ${num(yj0, 1)} to ${num(yj1, 1)} up (latent
        units, the span of this model's training codes); the other dimensions at A's code, marked by the square.`;
    }
    scheduler.run("grids", jobs, () => {
      el.dataset.grids = String(Number(el.dataset.grids || 0) + 1);
    });
  }

  function refresh() {
    encodeInputs();
    setT(Number($(".holes-t").value));
    drawStrips();
    drawGrids();
  }

  $(".holes-t").addEventListener("input", (e) => setT(Number(e.target.value)));
  for (const strip of el.querySelectorAll(".holes-strips .holes-strip")) { // a click on a step moves the handle there
    strip.querySelectorAll("canvas").forEach((canvas, k) => canvas.addEventListener("click", () => {
      $(".holes-t").value = String(STEPS[k]);
      setT(STEPS[k]);
    }));
  }
  $(".holes-a").addEventListener("change", refresh);
  $(".holes-b").addEventListener("change", refresh);
  $(".holes-resample").addEventListener("click", resample);
  el.querySelector(".holes-i")?.addEventListener("change", drawGrids);
  el.querySelector(".holes-j")?.addEventListener("change", drawGrids);
  refresh();
  resample();
  return { setT, resample, codes };
}
