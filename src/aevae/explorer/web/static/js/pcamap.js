// A model's PCA map (the paper's Fig. 4): every training latent projected on its two principal axes, coloured by
// class or by a known factor (colouring.js), drawn onto a canvas that fills the width it is given, with ticks on both axes. By default both maps share
// one scale (latent units per pixel), so the AE's wide map and the VAE's compact one compare at a glance; a switch
// fits each to its own points. The map of the model not shown is dimmer, still in colour. Hovering decodes the
// spot under the pointer (inverse PCA, the other components at the data mean) and names the nearest training
// point's class or factor value; clicking moves that model's reconstruction line there. By keyboard, the arrow
// keys move a cursor that previews the same way and Enter moves the line there. A ring marks where the model's line is
// now; outlined diamonds in the inputs' colours (never class colours) mark the selected inputs.

import { setActive, setLatent, setMapScale } from "./actions.js";
import { SLOTS } from "./bundle.js";
import { currentColouring, levelColour } from "./colouring.js";
import { whenIdle } from "./idle.js";
import { drawImage } from "./images.js";
import { niceTicks, project, unproject } from "./latent.js";
import { RECONSTRUCTION, rgb } from "./palette.js";
import { decodeThen } from "./remote.js";
import { formatValue, svg } from "./svg.js";

const POINT_ALPHA = 0.35; // overlapping points darken: dense regions read as dense
const EXTENT_PERCENTILES = [0.005, 0.995]; // a few far outliers must not shrink the bulk of the map
const PAD = 0.08; // fraction of the span added around the points
const TICK_ROOM = { left: 40, bottom: 22 }; // CSS pixels beside the map for the tick labels
const KEPT_IMAGES = 4; // pictures of points kept per model for past widths, scales and colourings (and one more
// for each member of a family: the other map's scale follows the member shown)

/**
 * @param {HTMLElement} el container
 * @param {object} state the shared state
 * @param {{slot: string, size?: number}} options slot: "ae" or "vae"; size: CSS pixels of the square map until
 *   the container's width is known (the map then fills it)
 */
export function createPcaMap(el, state, { slot, size: initialSize = 270 }) {
  let model = state.models[slot]; // a family's slider puts another model in the slot ("model")
  el.classList.add("pca-map");
  el.dataset.slot = slot;
  el.innerHTML = `
    <h3></h3>
    <div class="map-frame" style="padding: 0 0 ${TICK_ROOM.bottom}px ${TICK_ROOM.left}px">
      <div class="map-area" tabindex="0" role="application" aria-roledescription="map">
        <canvas class="map-points"></canvas>
        <canvas class="map-overlay"></canvas>
        <div class="map-tooltip" hidden><canvas class="tooltip-canvas"></canvas><span></span></div>
      </div>
    </div>
    <div class="map-axes"></div><div class="map-status sr-only" role="status"></div>`;
  const frame = el.querySelector(".map-frame");
  const area = el.querySelector(".map-area");
  const points = el.querySelector(".map-points");
  const overlay = el.querySelector(".map-overlay");
  const tooltip = el.querySelector(".map-tooltip");
  const status = el.querySelector(".map-status");
  const ticks = svg("svg", { class: "map-ticks", "aria-hidden": "true" }, frame);
  const dpr = window.devicePixelRatio || 1;
  let size = 0;
  let view = null;
  let areaWidth = area.clientWidth; // CSS pixels, kept by the ResizeObserver below (reading it would force a layout)
  const toPixel = ([p1, p2]) => [((p1 - view.x0) / view.span) * size, size - ((p2 - view.y0) / view.span) * size];
  const toPca = (x, y) => [view.x0 + (x / size) * view.span, view.y0 + ((size - y) / size) * view.span];

  // (Re)draw everything for the current width and scale; nothing when neither changed.
  function layout() {
    const wanted = Math.round(areaWidth) || initialSize;
    const next = mapView(state.models, slot, state.mapScale);
    if (wanted === size && view && next.span === view.span && next.x0 === view.x0) return;
    size = wanted;
    view = next;
    for (const canvas of [points, overlay]) {
      canvas.width = Math.round(size * dpr);
      canvas.height = Math.round(size * dpr);
    }
    area.dataset.span = String(view.span);
    drawPoints();
    drawTicks();
    drawOverlay();
    warmSoon();
  }

  // The points of a model already drawn at this size, window and colouring are put back as they were: the family
  // slider returns to models it has shown, and redrawing thousands of points would cost it a frame.
  const drawn = new WeakMap(); // model -> Map(key -> ImageData), the newest last
  function pointsImage(shownModel, at) {
    const pixels = Math.round(size * dpr);
    const key = `${pixels}|${at.x0}|${at.y0}|${at.span}|${state.colourBy}`;
    if (!drawn.has(shownModel)) drawn.set(shownModel, new Map());
    const images = drawn.get(shownModel);
    if (images.has(key)) return images.get(key);
    const img = new ImageData(pixels, pixels);
    img.data.fill(255);
    const colouring = currentColouring(state, shownModel);
    const colours = Array.from({ length: colouring.levels.length || 1 }, (_, k) => rgb(levelColour(colouring, k)));
    const dot = Math.max(1, Math.round(1.5 * dpr)); // about 1.5 CSS pixels
    const { pcaPoints, labels } = shownModel;
    for (let i = 0; i < labels.length; i++) { // as toPixel, for the window `at`
      const px = Math.floor(((pcaPoints[2 * i] - at.x0) / at.span) * size * dpr);
      const py = Math.floor((size - ((pcaPoints[2 * i + 1] - at.y0) / at.span) * size) * dpr);
      const c = colours[colouring.value(i) % colours.length];
      for (let dy = 0; dy < dot; dy++) {
        for (let dx = 0; dx < dot; dx++) {
          const qx = px + dx;
          const qy = py + dy;
          if (qx < 0 || qy < 0 || qx >= img.width || qy >= img.height) continue;
          const o = 4 * (qy * img.width + qx);
          for (let k = 0; k < 3; k++) img.data[o + k] += (c[k] - img.data[o + k]) * POINT_ALPHA;
        }
      }
    }
    images.set(key, img);
    if (images.size > KEPT_IMAGES + (state.family?.members.length ?? 0)) images.delete(images.keys().next().value); // the oldest: a past width or scale
    return img;
  }

  function drawPoints() {
    points.getContext("2d").putImageData(pointsImage(model, view), 0, 0);
  }

  // While the page is idle, draw the pictures a step of the family's slider will need (each member in the VAE's
  // place, and this map at the scale each member gives it), so that the step only puts one back.
  function warmSoon() {
    if (!state.family) return;
    whenIdle(state.family.members.map((member) => () => {
      const models = { ...state.models, vae: member };
      if (size) pointsImage(models[slot], mapView(models, slot, state.mapScale));
    }));
  }

  // Round values on both principal axes, in the frame's margin (left: PC2, bottom: PC1).
  function drawTicks() {
    ticks.replaceChildren();
    ticks.setAttribute("width", size + TICK_ROOM.left);
    ticks.setAttribute("height", size + 2 + TICK_ROOM.bottom);
    const count = Math.max(3, Math.round(size / 70));
    const border = 1; // the map area's border: its canvases start one pixel in
    const bottom = size + 2 * border;
    for (const t of niceTicks(view.x0, view.x0 + view.span, count)) {
      const x = TICK_ROOM.left + border + toPixel([t, 0])[0];
      svg("line", { x1: x, x2: x, y1: bottom, y2: bottom + 4, class: "map-tick", "data-axis": "pc1" }, ticks);
      svg("text", { x, y: bottom + 15, class: "map-tick-label x", "data-axis": "pc1" }, ticks).textContent =
        formatValue(t);
    }
    for (const t of niceTicks(view.y0, view.y0 + view.span, count)) {
      const y = border + toPixel([0, t])[1];
      svg("line", { x1: TICK_ROOM.left - 4, x2: TICK_ROOM.left, y1: y, y2: y, class: "map-tick", "data-axis": "pc2" },
          ticks);
      svg("text", { x: TICK_ROOM.left - 6, y, class: "map-tick-label y", "data-axis": "pc2" }, ticks).textContent =
        formatValue(t);
    }
  }

  function drawOverlay() {
    const ctx = overlay.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, size, size);
    for (const input of state.inputs.filter((i) => i.selected)) {
      const [x, y] = toPixel(project(model, input.codes[slot].mu));
      ctx.beginPath(); // a diamond with a dark outline: a shape no class point has
      ctx.moveTo(x, y - 7);
      ctx.lineTo(x + 7, y);
      ctx.lineTo(x, y + 7);
      ctx.lineTo(x - 7, y);
      ctx.closePath();
      ctx.fillStyle = input.colour;
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = RECONSTRUCTION;
      ctx.stroke();
    }
    if (cursor) { // the keyboard's cursor: a dashed square, unlike the line's ring
      ctx.setLineDash([3, 2]);
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = RECONSTRUCTION;
      ctx.strokeRect(cursor[0] - 7, cursor[1] - 7, 14, 14);
      ctx.setLineDash([]);
    }
    const [x, y] = toPixel(project(model, state.latent[slot]));
    overlay.dataset.markerX = x.toFixed(2);
    overlay.dataset.markerY = y.toFixed(2);
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = "#fff";
    ctx.beginPath();
    ctx.arc(x, y, 8, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = RECONSTRUCTION;
    ctx.beginPath();
    ctx.arc(x, y, 8, 0, 2 * Math.PI);
    ctx.moveTo(x - 13, y);
    ctx.lineTo(x + 13, y);
    ctx.moveTo(x, y - 13);
    ctx.lineTo(x, y + 13);
    ctx.stroke();
  }

  function local(event) {
    const box = area.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  }

  // Decode the spot at map pixel (x, y) into the tooltip and name the nearest training point there.
  function preview(x, y) {
    const [p1, p2] = toPca(x, y);
    tooltip.hidden = false;
    const canvas = tooltip.querySelector("canvas");
    // where Python decodes, only the newest position's image is drawn (the output shows its errors)
    decodeThen(model.net, `map-${slot}`, unproject(model, p1, p2), (image) => drawImage(canvas, image, state.invert));
    const i = nearest(model.pcaPoints, p1, p2);
    const colouring = currentColouring(state, model);
    const label = colouring.levels[colouring.value(i)];
    const what = colouring.factor === null ? "" : `${colouring.name} `;
    const near = label === undefined ? "" : `nearest training point: ${what}${label}`;
    tooltip.querySelector("span").textContent = near;
    tooltip.style.left = `${x < size / 2 ? x + 14 : x - 14 - tooltip.offsetWidth}px`;
    tooltip.style.top = `${y < size / 2 ? y + 14 : y - 14 - tooltip.offsetHeight}px`;
    return `PC1 ${formatValue(p1)}, PC2 ${formatValue(p2)}${near ? `; ${near}` : ""}`;
  }

  // Move that model's line to map pixel (x, y) and show that model.
  function commit(x, y) {
    const [p1, p2] = toPca(x, y);
    setActive(state, slot);
    setLatent(state, slot, unproject(model, p1, p2), "map");
  }

  area.addEventListener("pointermove", (event) => preview(...local(event)));
  area.addEventListener("pointerleave", () => {
    tooltip.hidden = cursor === null;
  });
  area.addEventListener("click", (event) => commit(...local(event)));

  // The keyboard's way: the arrow keys move a cursor over the map (Shift: five times as far), which previews like the
  // pointer; Enter (or Space) moves the line there; Escape puts the cursor away. It starts where the line is.
  let cursor = null; // [x, y] in map pixels while the keyboard holds a cursor
  area.addEventListener("keydown", (event) => {
    const step = (event.shiftKey ? 5 : 1) * Math.max(2, size / 40);
    const move = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[event.key];
    if (move) {
      const [x, y] = cursor ?? toPixel(project(model, state.latent[slot]));
      cursor = [Math.min(Math.max(x + move[0], 0), size), Math.min(Math.max(y + move[1], 0), size)];
      status.textContent = preview(...cursor);
      drawOverlay();
    } else if ((event.key === "Enter" || event.key === " ") && cursor) {
      commit(...cursor);
      status.textContent = `moved the ${model.meta.kind.toUpperCase()}'s line here`;
    } else if (event.key === "Escape" && cursor) {
      cursor = null;
      tooltip.hidden = true;
      drawOverlay();
    } else return;
    event.preventDefault();
  });
  area.addEventListener("blur", () => {
    cursor = null;
    tooltip.hidden = true;
    drawOverlay();
  });

  function renderActive() {
    el.classList.toggle("inactive", state.active !== slot);
  }

  function caption() {
    const ratio = model.meta.pca_explained_variance_ratio.map((r) => `${(100 * r).toFixed(0)}%`);
    el.querySelector("h3").textContent = `${model.meta.kind.toUpperCase()} latent space, PCA (PC1 × PC2)`;
    el.querySelector(".map-axes").textContent = `PC1 (${ratio[0]} of variance) → · PC2 (${ratio[1]}) ↑, latent units`;
    area.setAttribute("aria-label", `${model.meta.kind.toUpperCase()} PCA map: the arrow keys move a cursor and `
      + "decode the spot under it, Enter moves the black line there");
  }

  state.on("latent", (detail) => {
    if (detail.slot === slot) drawOverlay();
  });
  state.on("inputs", drawOverlay);
  state.on("active", renderActive);
  state.on("mapscale", layout);
  state.on("colourby", () => {
    drawPoints();
    warmSoon();
  });
  state.on("model", (detail) => { // the other map redraws only if the shared scale moved (layout checks)
    if (detail.slot === slot) {
      model = state.models[slot];
      caption();
      view = null;
    }
    layout();
  });
  caption();
  renderActive();
  layout();
  // The map fills the width its panel gives it; with a shared scale the other map does not depend on this width.
  new ResizeObserver(([entry]) => {
    areaWidth = entry.contentRect.width;
    layout();
  }).observe(area);
  return { area, toPixel };
}

/**
 * The "same scale for both maps" switch, inside `el`, kept in step with the state.
 * @param {HTMLElement} el container
 * @param {object} state the shared state
 */
export function createMapScaleSwitch(el, state) {
  el.innerHTML = `<label class="switch"><input type="checkbox" class="map-shared"> Same scale for both maps</label>
    <span class="hint">(off: each map fitted to its own points)</span>`;
  const box = el.querySelector(".map-shared");
  const sync = () => {
    box.checked = state.mapScale === "shared";
  };
  box.addEventListener("change", () => setMapScale(state, box.checked ? "shared" : "each"));
  state.on("mapscale", sync);
  sync();
  return { el };
}

/** The window of the map of `slot` when `models` ({ae, vae}) are shown: its own bulk's extent or, with a shared
 * `scale`, the larger span of both maps about its centre. */
function mapView(models, slot, scale) {
  const own = extentOf(models[slot]);
  if (scale !== "shared") return own;
  const span = Math.max(...SLOTS.map((s) => extentOf(models[s]).span));
  return { x0: own.x0 + own.span / 2 - span / 2, y0: own.y0 + own.span / 2 - span / 2, span };
}

function extentOf(model) {
  if (!model.mapExtent) model.mapExtent = extent(model.pcaPoints); // sorts a subsample: once per model
  return model.mapExtent;
}

/** The square window [x0, x0 + span] × [y0, y0 + span] that shows the bulk of the points with equal scales. */
function extent(pcaPoints) {
  const n = pcaPoints.length / 2;
  const stride = Math.max(1, Math.floor(n / 5000)); // a subsample pins percentiles down well enough
  const count = Math.ceil(n / stride);
  const xs = new Float64Array(count);
  const ys = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    xs[k] = pcaPoints[2 * k * stride];
    ys[k] = pcaPoints[2 * k * stride + 1];
  }
  const range = (values) => {
    values.sort(); // a typed array sorts by value
    const at = (q) => values[Math.min(values.length - 1, Math.floor(q * values.length))];
    return [at(EXTENT_PERCENTILES[0]), at(EXTENT_PERCENTILES[1])];
  };
  const [xlo, xhi] = range(xs);
  const [ylo, yhi] = range(ys);
  const span = Math.max(xhi - xlo, yhi - ylo, 1e-6) * (1 + 2 * PAD);
  return { x0: (xlo + xhi) / 2 - span / 2, y0: (ylo + yhi) / 2 - span / 2, span };
}

/** Index of the training point nearest (p1, p2) on the map (a linear scan: 60,000 points take well under 1 ms). */
function nearest(pcaPoints, p1, p2) {
  let best = 0;
  let bestDistance = Infinity;
  for (let i = 0; i < pcaPoints.length; i += 2) {
    const dx = pcaPoints[i] - p1;
    const dy = pcaPoints[i + 1] - p2;
    const distance = dx * dx + dy * dy;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = i / 2;
    }
  }
  return best;
}
