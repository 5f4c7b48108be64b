// Latent traversals, the figure practitioners draw by hand: for each of the first drawn axes (the most used
// dimensions, dims.js), a row of decodings as that one value moves across its axis from the black line's code,
// every other value kept. Redrawn as the line moves: in the page at once, row by row on animation frames so a drag
// stays smooth; for a model only Python runs, through the same request queue as the output (remote.js).

import { drawImage } from "./images.js";
import { decodeThen } from "./remote.js";
import { formatValue } from "./svg.js";

const STEPS = 7; // images per row, from the axis's low end to its high end
const ROWS = 4; // dimensions traversed: the first drawn axes

/**
 * @param {HTMLElement} el container (under the parallel plot)
 * @param {object} state the shared state
 */
export function createTraversals(el, state) {
  el.className = "traversals";
  el.innerHTML = `<div class="traversal-title"></div><div class="traversal-rows"></div>`;
  const rows = el.querySelector(".traversal-rows");
  let frame = 0;
  let generation = 0; // a newer render abandons what an older one had left to draw

  function values(lo, hi) {
    return Array.from({ length: STEPS }, (_, i) => lo + ((hi - lo) * i) / (STEPS - 1));
  }

  function render() {
    const slot = state.active;
    const model = state.models[slot];
    const dims = (state.drawn[slot] ?? []).slice(0, ROWS);
    if (!dims.length) return;
    const z = state.latent[slot];
    el.querySelector(".traversal-title").textContent = `Traversals: z${dims.map((j) => j + 1).join(", z")} each `
      + `swept across its axis from the black line's code (outlined: the line's own value), the other ${model.meta.latent_dim - 1} `
      + "values kept";
    if (rows.dataset.key !== `${slot}:${dims.join()}`) {
      rows.replaceChildren(...dims.map((j) => {
        const row = document.createElement("div");
        row.className = "traversal-row";
        row.dataset.dim = j;
        row.innerHTML = `<span class="traversal-name">z${j + 1}</span><div class="traversal-images"></div>`;
        row.querySelector(".traversal-images").append(...Array.from({ length: STEPS }, () => {
          const canvas = document.createElement("canvas");
          canvas.className = "traversal-canvas";
          return canvas;
        }));
        return row;
      }));
      rows.dataset.key = `${slot}:${dims.join()}`;
    }
    const mine = ++generation;
    cancelAnimationFrame(frame);
    const todo = [...rows.children];
    const drawRow = () => {
      const row = todo.shift();
      if (!row || mine !== generation) return;
      const j = Number(row.dataset.dim);
      const [lo, hi] = model.ranges[j];
      const nearest = Math.round(((z[j] - lo) / (hi - lo || 1)) * (STEPS - 1));
      values(lo, hi).forEach((v, i) => {
        const canvas = row.querySelectorAll(".traversal-canvas")[i];
        const code = Float64Array.from(z);
        code[j] = v;
        canvas.title = `z${j + 1} = ${formatValue(v)}`;
        canvas.classList.toggle("current", i === nearest);
        decodeThen(model.net, `traversal-${i}-${row.dataset.dim}`, code, (image) => drawImage(canvas, image,
          state.invert));
      });
      row.dataset.drawn = String(Number(row.dataset.drawn || 0) + 1);
      // Python's rows go out together, as one request; the page's own are decoded a row per frame
      if (model.net.remote) drawRow();
      else frame = requestAnimationFrame(drawRow);
    };
    frame = requestAnimationFrame(drawRow);
  }

  state.on("latent", ({ slot }) => {
    if (slot === state.active) render();
  });
  state.on("axes", render);
  state.on("active", render);
  state.on("invert", render);
  render();
}
