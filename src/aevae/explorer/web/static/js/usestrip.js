// The strip above the parallel plot for a latent of many dimensions: one bar per dimension, in order of use (a
// VAE's KL per dimension, an AE's variance of the codes; dims.js), dark where the dimension is drawn as an axis,
// so every dimension's use is seen at once, however many there are. Clicking a bar draws or hides that axis;
// the buttons pick the active ones, the most used that fit, or every one. A sentence under it counts the active
// units (Burda et al. 2016) and summarises the unused dimensions, from the numbers.

import { setDrawnAxes } from "./actions.js";
import { ACTIVE_VARIANCE, SORT_FROM, dimensionUse, unusedSummary } from "./dims.js";

const BAR_GAP = 1; // CSS pixels between bars when they are at least 3 wide
const STRIP_HEIGHT = 34; // CSS pixels of the tallest bar

/**
 * @param {HTMLElement} el the parallel plot's container; the strip goes first in it
 * @param {object} state the shared state
 * @param {{drawnAxes: (slot?: string) => number[]}} options drawnAxes: the dimensions drawn now
 */
export function createUseStrip(el, state, { drawnAxes }) {
  const strip = document.createElement("div");
  strip.className = "use-strip";
  strip.innerHTML = `
    <div class="use-head"><span class="use-title"></span>
      <span class="use-buttons">
        <button type="button" data-pick="active">Active</button>
        <button type="button" data-pick="fit">Most used that fit</button>
        <button type="button" data-pick="all">All</button></span></div>
    <canvas class="use-bars" height="${STRIP_HEIGHT}" role="img"></canvas>
    <div class="use-hover" aria-live="polite"></div>
    <p class="use-summary"></p>`;
  el.appendChild(strip);
  const canvas = strip.querySelector(".use-bars");
  const hover = strip.querySelector(".use-hover");
  let layout = null; // {order, x0, w}: where each bar was drawn

  function render() {
    const model = state.models[state.active];
    strip.hidden = model.meta.latent_dim < SORT_FROM;
    if (strip.hidden) return;
    const use = dimensionUse(model);
    const drawn = new Set(drawnAxes());
    const px = Math.max(200, Math.round(strip.getBoundingClientRect().width || 600));
    const ratio = window.devicePixelRatio || 1;
    canvas.width = px * ratio;
    canvas.height = STRIP_HEIGHT * ratio;
    canvas.style.width = `${px}px`;
    canvas.style.height = `${STRIP_HEIGHT}px`;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, px, STRIP_HEIGHT);
    const w = px / model.meta.latent_dim;
    const gap = w >= 3 ? BAR_GAP : 0;
    const top = Math.max(...use.use, 1e-12);
    // heights on a square-root scale: small but real use stays visible beside the largest
    use.order.forEach((j, k) => {
      const h = Math.max(1, Math.sqrt(Math.max(use.use[j], 0) / top) * (STRIP_HEIGHT - 2));
      ctx.fillStyle = drawn.has(j) ? "#2b2f36" : use.unused.includes(j) ? "#d4d7dc" : "#9aa1ab";
      ctx.fillRect(k * w, STRIP_HEIGHT - h, Math.max(w - gap, 0.6), h);
    });
    layout = { order: use.order, w };
    const activeCount = use.active.filter(Boolean).length;
    strip.querySelector(".use-title").textContent = `Use of each of the ${model.meta.latent_dim} dimensions (${use.measure}, `
      + `${use.unit}), most used first; dark: drawn as an axis (${drawn.size}). Click a bar to draw or hide it.`;
    canvas.setAttribute("aria-label", `${model.meta.latent_dim} bars, one per dimension, by ${use.measure}`);
    canvas.dataset.order = use.order.join(" ");
    const unused = unusedSummary(model);
    strip.querySelector(".use-summary").textContent = `Active units (Burda et al. 2016): ${activeCount} of `
      + `${model.meta.latent_dim}, the dimensions whose mean moves with the input, Var(E[z_j | x]) > ${ACTIVE_VARIANCE} over `
      + `the images.${unused ? ` ${unused}: not drawn unless picked.` : ""}`;
    const activeButton = strip.querySelector('[data-pick="active"]');
    activeButton.textContent = `Active (${activeCount})`;
    activeButton.disabled = activeCount === 0; // no axis to draw
  }

  function dimAt(event) {
    if (!layout) return null;
    const box = canvas.getBoundingClientRect();
    const k = Math.floor((event.clientX - box.left) / layout.w);
    return layout.order[k] ?? null;
  }

  canvas.addEventListener("click", (event) => {
    const j = dimAt(event);
    if (j === null) return;
    const drawn = drawnAxes();
    const next = drawn.includes(j) ? drawn.filter((i) => i !== j) : [...drawn, j];
    if (!next.length) return; // at least one axis stays
    const order = dimensionUse(state.models[state.active]).order;
    setDrawnAxes(state, state.active, order.filter((i) => next.includes(i)));
  });
  canvas.addEventListener("pointermove", (event) => {
    const j = dimAt(event);
    if (j === null) return;
    const use = dimensionUse(state.models[state.active]);
    hover.textContent = `z${j + 1}: ${use.measure} ${use.use[j].toPrecision(3)} ${use.unit}`
      + `${use.active[j] ? ", active" : ", not active"}`;
  });
  canvas.addEventListener("pointerleave", () => {
    hover.textContent = "";
  });
  strip.querySelector(".use-buttons").addEventListener("click", (event) => {
    const pick = event.target.closest("button")?.dataset.pick;
    if (!pick) return;
    const use = dimensionUse(state.models[state.active]);
    if (pick === "fit") setDrawnAxes(state, state.active, null);
    else if (pick === "all") setDrawnAxes(state, state.active, use.order);
    else setDrawnAxes(state, state.active, use.order.filter((j) => use.active[j]));
  });
  state.on("axes", render);
  state.on("active", render);
  render();
}
