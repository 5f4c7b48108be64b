// Parallel coordinates of the latent spaces: one vertical axis per dimension with round-valued ticks, the shown
// model in colour over its grey violins (each selected input's code as a polyline; for a VAE μ with its ±σ band)
// and the other model greyed on the same axes (outlined violins, grey lines), as in the paper: "the VAE values get
// greyed out and the latent activations of the AE will be shown". By default the axes span both models, so the
// AE's wide spread and the VAE's compact one are seen to one scale; a switch fits them to the shown model.
// The black reconstruction line's points drag along their axes. A latent of many dimensions is drawn in order of
// use, the unused ones summarised rather than drawn, as many axes as fit the plot's width (dims.js); the strip
// above the plot (usestrip.js) shows every dimension and picks the drawn ones. The plot is as wide as its panel
// in SVG units (one unit a CSS pixel), so a wider window draws more axes rather than a taller picture. Pointing at the plot highlights the input line
// nearest the pointer (and its row in the list), and a double-click or a double tap snaps the black line to that one.

import { setCommonScale, setFit, setHover, setLatentValue, snapTo } from "./actions.js";
import { SLOTS } from "./bundle.js";
import { MIN_AXIS_PX, SORT_FROM, axesThatFit, defaultAxes } from "./dims.js";
import { niceTicks, ordinal, percentile, plotAxes } from "./latent.js";
import { OTHER_MODEL, RECONSTRUCTION } from "./palette.js";
import { formatValue, svg } from "./svg.js";
import { createUseStrip } from "./usestrip.js";
import { createViolins } from "./violins.js";

const MIN_BAND_PX = 2; // a ±σ band thinner than this on screen is drawn this tall, so it never vanishes
const PICK_PX = 12; // an input line within this many screen pixels of the pointer can be picked
const HANDLE_R = window.matchMedia?.("(pointer: coarse)").matches ? 13 : 7; // SVG units; a fingertip needs more
const DOUBLE_MS = 450; // two presses this close in time (and on the same line) snap to it: a double-click or tap

/**
 * @param {HTMLElement} el container
 * @param {object} state the shared state
 * @param {{width?: number, height?: number}} options the SVG's coordinate size (it scales to the container)
 */
export function createParallel(el, state, { width: startWidth = 640, height = 380 } = {}) {
  const margin = { top: 34, bottom: 30, left: 62, right: 62 };
  let shownWidth = 0; // the panel's CSS width once it is laid out
  createUseStrip(el, state, { drawnAxes });
  const root = svg("svg", { viewBox: `0 0 ${startWidth} ${height}`, class: "parallel", role: "group", // holds sliders
    "aria-label": "Latent space: one vertical axis per dimension over its violin; the black line is the decoded code" });
  const scroller = document.createElement("div"); // more axes than fit the panel scroll sideways, never overlap
  scroller.className = "parallel-scroll";
  scroller.appendChild(root);
  el.appendChild(scroller);
  const key = document.createElement("div");
  key.className = "plot-key";
  el.appendChild(key);
  const clip = `aevae-plot-clip-${Math.random().toString(36).slice(2)}`; // ids are page-wide: one per plot
  const clipPath = svg("clipPath", { id: clip }, svg("defs", {}, root));
  const clipRect = svg("rect", { x: 0, y: margin.top - 1, width: startWidth,
                                  height: height - margin.top - margin.bottom + 2 },
                       clipPath);
  const layer = (className) => svg("g", { class: className, "clip-path": `url(#${clip})` }, root);
  const layers = {
    violins: layer("violins"),
    otherViolins: layer("other-violins"),
    axes: svg("g", { class: "axes" }, root),
    other: layer("other-model"),
    reconstruction: svg("g", { class: "reconstruction" }, root),
    inputs: svg("g", { class: "inputs" }, root), // over the black line: a snapped input stays visible on it
    handles: svg("g", { class: "handles" }, root),
  };
  const line = svg("polyline", { class: "recon-line", stroke: RECONSTRUCTION }, layers.reconstruction);
  const drawn = new Map(); // input -> its line's points in SVG units, as last drawn
  const hoverName = document.createElement("div"); // names the highlighted line: what a double-click takes
  hoverName.className = "hover-name";
  hoverName.setAttribute("aria-hidden", "true"); // the list's snap buttons say the same to a screen reader

  // The dimensions drawn as axes, left to right: the user's pick, or the default for this width (dims.js).
  // A small latent keeps the plot of the paper: every dimension, a fixed drawing scaled to the panel, the axes
  // spanning both models' dimensions unless fitted to the shown one.
  function drawnAxes(slot = state.active) {
    const model = state.models[slot];
    if (!large(slot)) {
      const d = state.fit ? model.meta.latent_dim : Math.max(...SLOTS.map((s) => state.models[s].meta.latent_dim));
      return Array.from({ length: d }, (_, j) => j);
    }
    if (!state.drawn[slot]) state.drawn[slot] = defaultAxes(model, axesThatFit(plainWidth() - margin.left - margin.right));
    return state.drawn[slot];
  }

  function large(slot = state.active) {
    return state.models[slot].meta.latent_dim >= SORT_FROM;
  }

  // The plot's width before more axes than fit widen it: for a large latent the panel's in CSS pixels.
  function plainWidth() {
    return large() && shownWidth ? Math.max(320, Math.round(shownWidth)) : startWidth;
  }

  // The plot's width in SVG units (CSS pixels): the panel's, or wider where the drawn axes need it.
  function plotWidth(d = drawnAxes().length) {
    return large() ? Math.max(plainWidth(), margin.left + margin.right + (d - 1) * MIN_AXIS_PX) : startWidth;
  }

  function geometry() {
    const axes = plotAxes(state.models, state.active, state.fit, state.commonScale ? drawnAxes() : null);
    const dims = drawnAxes();
    const d = dims.length;
    const plotW = plotWidth(d);
    const span = plotW - margin.left - margin.right;
    const step = d > 1 ? span / (d - 1) : 0;
    const position = new Map(dims.map((j, k) => [j, d > 1 ? margin.left + k * step : plotW / 2]));
    const x = (j) => position.get(j); // the axis of dimension j (undefined: not drawn)
    const top = margin.top;
    const bottom = height - margin.bottom;
    const y = (j, v) => {
      const [lo, hi] = axes[j];
      return bottom - ((v - lo) / (hi - lo)) * (bottom - top);
    };
    const value = (j, py) => {
      const [lo, hi] = axes[j];
      return lo + ((bottom - py) / (bottom - top)) * (hi - lo);
    };
    const mine = dims.filter((j) => j < state.models[state.active].meta.latent_dim); // the axes the shown model has
    return { x, y, value, top, bottom, halfWidth: Math.min(step ? step * 0.42 : 80, margin.left - 4), d, axes, dims,
             mine, step };
  }

  createViolins({ shown: layers.violins, other: layers.otherViolins }, state, { geometry });

  let drawnAxesKey = null; // what the axes layer shows: a model with the same axes (a family's slider) keeps it
  function renderAxes() {
    const { x, y, top, bottom, axes, dims, step } = geometry();
    const plotW = plotWidth(dims.length);
    root.setAttribute("viewBox", `0 0 ${plotW} ${height}`);
    clipRect.setAttribute("width", plotW);
    root.classList.toggle("large", large()); // fainter σ bands: many narrow axes, σ often wider than an axis
    if (large() && shownWidth) root.style.width = `${plotW}px`; // one SVG unit per CSS pixel
    else root.style.removeProperty("width"); // scaled to the panel
    root.style.setProperty("--svg-unit", String(unitsPerPixel()));
    const k = Math.max(1, unitsPerPixel()); // text grows in SVG units on a small plot (explorer.css): so do its gaps
    const clear = HANDLE_R + 5; // tick labels end left of the handle, which would cover them at their value
    const ticks = step && step < 90 ? 3 : 6; // close axes: fewer tick labels, so neighbours' never touch
    const key = [plotW, k, state.commonScale, ...dims.map((j) => `${j}:${axes[j]}`)].join("|");
    if (key === drawnAxesKey) return;
    drawnAxesKey = key;
    layers.axes.replaceChildren();
    for (const [n, j] of dims.entries()) {
      if (state.commonScale && n > 0 && dims.length > 1) { // one scale: the first axis's labels say it for all
        const [lo, hi] = axes[j];
        svg("line", { x1: x(j), x2: x(j), y1: top, y2: bottom, class: "axis", "data-dim": j, "data-min": lo,
                      "data-max": hi, "data-top": top, "data-bottom": bottom }, layers.axes);
        svg("text", { x: x(j), y: top - 5 - 12 * k, class: "axis-name" }, layers.axes).textContent = `z${j + 1}`;
        continue;
      }
      const [lo, hi] = axes[j];
      svg("line", { x1: x(j), x2: x(j), y1: top, y2: bottom, class: "axis", "data-dim": j, "data-min": lo,
                    "data-max": hi, "data-top": top, "data-bottom": bottom }, layers.axes);
      svg("text", { x: x(j), y: top - 5 - 12 * k, class: "axis-name" }, layers.axes).textContent = `z${j + 1}`;
      svg("text", { x: x(j), y: top - 5, class: "axis-end" }, layers.axes).textContent = formatValue(hi);
      svg("text", { x: x(j), y: bottom + 3 + 11 * k, class: "axis-end" }, layers.axes).textContent = formatValue(lo);
      for (const t of niceTicks(lo, hi, ticks)) {
        const ty = y(j, t);
        if (ty < top + 6 * k || ty > bottom - 6 * k) continue; // the end labels say these values
        const cls = t === 0 ? "tick zero" : "tick";
        svg("line", { x1: x(j) - 5, x2: x(j), y1: ty, y2: ty, class: cls, "data-dim": j }, layers.axes);
        const label = svg("text", { x: x(j) - clear, y: ty, class: "tick-label", "data-dim": j, "data-value": t },
                          layers.axes);
        label.textContent = formatValue(t);
      }
    }
  }

  // Values beyond an axis are drawn at its end, so a line never leaves the plot.
  function point(g, j, v) {
    return [g.x(j), Math.min(Math.max(g.y(j, v), g.top), g.bottom)];
  }

  // SVG units per CSS pixel: the plot scales with its container. The container's width is the one the
  // ResizeObserver below last saw, so a redraw never makes the browser lay the page out in the middle of a step.
  function unitsPerPixel() {
    const shown = large() && shownWidth ? plotWidth() : shownWidth || root.getBoundingClientRect().width;
    return shown > 0 ? root.viewBox.baseVal.width / shown : 1;
  }

  function renderInputs() {
    layers.inputs.replaceChildren();
    drawn.clear();
    const g = geometry();
    const slot = state.active;
    const minHalf = (MIN_BAND_PX / 2) * unitsPerPixel();
    for (const input of state.inputs.filter((i) => i.selected)) {
      const { mu, sigma } = input.codes[slot];
      const group = svg("g", { class: "input-line", "data-input": input.id, "data-colour": input.colour },
                        layers.inputs);
      if (sigma) {
        // μ ± σ to scale, but never thinner than MIN_BAND_PX: the VAE's σ is small beside the AE's spread
        const edge = (sign) => g.mine.map((j) => {
          const [x, ym] = point(g, j, mu[j]);
          const [, ys] = point(g, j, mu[j] + sign * sigma[j]);
          return [x, ym - sign * Math.max(Math.abs(ym - ys), minHalf)];
        });
        const upper = edge(1);
        const lower = edge(-1).reverse();
        const band = svg("polygon", { points: [...upper, ...lower].join(" "), class: "sigma-band", fill: input.colour,
                                      stroke: input.colour }, group);
        band.dataset.sigma = g.mine.map((j) => formatValue(sigma[j])).join(" ");
      }
      const pts = g.mine.map((j) => point(g, j, mu[j]));
      drawn.set(input, pts);
      svg("polyline", { points: pts.join(" "), class: "mu", stroke: input.colour }, group);
    }
    renderHover();
    renderOther();
  }

  // Picking: the input whose drawn line passes nearest the pointer, the same test for mouse, pen and touch.
  function pick(event) {
    const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(root.getScreenCTM().inverse());
    let best = null;
    let bestDistance = PICK_PX * unitsPerPixel();
    for (const [input, pts] of drawn) {
      const distance = distanceToPolyline(p.x, p.y, pts);
      if (distance < bestDistance) {
        best = input;
        bestDistance = distance;
      }
    }
    return best;
  }

  function renderHover() {
    const hot = state.hover;
    layers.inputs.classList.toggle("has-hot", Boolean(hot && drawn.has(hot)));
    for (const group of layers.inputs.children) {
      const isHot = group.dataset.input === hot?.id;
      group.classList.toggle("hot", isHot);
      if (isHot) layers.inputs.appendChild(group); // on top of the others while highlighted
    }
    root.classList.toggle("picking", Boolean(hot && drawn.has(hot)));
    hoverName.textContent = hot && drawn.has(hot) ? `${hot.name}: double-click (or double-tap) to snap the black line here`
      : drawn.size ? "Point at a coloured line to see whose it is; double-click it to snap the black line there." : "";
  }

  const onHandle = (event) => event.target.classList?.contains("handle");
  root.addEventListener("pointermove", (event) => {
    if (event.buttons || onHandle(event)) return; // a drag in progress keeps its line
    setHover(state, pick(event));
  });
  root.addEventListener("pointerleave", (event) => {
    if (event.pointerType === "mouse") setHover(state, null);
  });
  let lastPress = null; // {input, time} of the last press that picked a line
  root.addEventListener("pointerdown", (event) => {
    if (onHandle(event)) return;
    const input = pick(event);
    setHover(state, input); // a first tap shows which line a second one takes
    const now = event.timeStamp;
    if (input && lastPress?.input === input && now - lastPress.time < DOUBLE_MS) {
      event.preventDefault();
      lastPress = null;
      snapTo(state, input);
    } else lastPress = input ? { input, time: now } : null;
  });

  // The greyed model: its selected inputs' μ lines and its reconstruction line, on the axes it has.
  function renderOther() {
    layers.other.replaceChildren();
    if (state.models[state.active].meta.both_slots) return; // one model in both slots: nothing else to grey
    const g = geometry();
    for (const slot of SLOTS.filter((s) => s !== state.active)) {
      const dims = g.dims.filter((j) => j < state.models[slot].meta.latent_dim); // the axes this model has
      const polyline = (z) => dims.map((j) => point(g, j, z[j])).join(" ");
      for (const input of state.inputs.filter((i) => i.selected)) {
        svg("polyline", { points: polyline(input.codes[slot].mu), class: "other-line", stroke: OTHER_MODEL,
                          "data-input": input.id, "data-slot": slot }, layers.other);
      }
      svg("polyline", { points: polyline(state.latent[slot]), class: "other-recon", stroke: OTHER_MODEL,
                        "data-slot": slot }, layers.other);
    }
  }

  let handles = [];

  function renderReconstruction() {
    const g = geometry();
    const z = state.latent[state.active];
    if (handles.map((h) => h.dim).join() !== g.mine.join()) {
      for (const h of handles) h.remove();
      handles = g.mine.map((j) => makeHandle(j));
    }
    line.setAttribute("points", g.mine.map((j) => point(g, j, z[j])).join(" "));
    const model = state.models[state.active];
    handles.forEach((h) => {
      const j = h.dim;
      const [cx, cy] = point(g, j, z[j]);
      h.setAttribute("cx", cx);
      h.setAttribute("cy", cy);
      h.setAttribute("data-value", z[j]);
      // what a screen reader says: the value, its range and where it lies among the training codes
      const [lo, hi] = model.ranges[j];
      h.setAttribute("aria-valuemin", formatValue(lo));
      h.setAttribute("aria-valuemax", formatValue(hi));
      h.setAttribute("aria-valuenow", formatValue(z[j]));
      h.setAttribute("aria-valuetext", `z${j + 1} = ${z[j].toFixed(2)}, ${ordinal(percentile(model, j, z[j]))} `
        + "percentile of the training codes");
    });
  }

  function makeHandle(j) {
    const h = svg("circle", { r: HANDLE_R, class: "handle", "data-dim": j, tabindex: 0, role: "slider",
                              "aria-orientation": "vertical", "aria-label": `z${j + 1} of the black line` },
                  layers.handles);
    h.dim = j;
    svg("title", {}, h).textContent = `drag z${j + 1}`;
    let toSvg = null; // screen -> SVG coordinates, fixed for one drag: reading it per move would force a layout
    let g = null;
    const drag = (event) => {
      const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(toSvg);
      setLatentValue(state, state.active, j, g.value(j, p.y));
    };
    h.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      h.setPointerCapture(event.pointerId);
      h.classList.add("dragging");
      toSvg = root.getScreenCTM().inverse();
      g = geometry();
      drag(event);
    });
    h.addEventListener("pointermove", (event) => {
      if (h.hasPointerCapture(event.pointerId)) drag(event);
    });
    const end = (event) => {
      h.classList.remove("dragging");
      if (h.hasPointerCapture(event.pointerId)) h.releasePointerCapture(event.pointerId);
    };
    h.addEventListener("pointerup", end);
    h.addEventListener("pointercancel", end);
    // The keys of a slider: arrows move a 50th of the axis, Page Up/Down a 5th, Home/End to its ends.
    h.addEventListener("keydown", (event) => {
      const [lo, hi] = state.models[state.active].ranges[j];
      const step = (hi - lo) / 50;
      const now = state.latent[state.active][j];
      const value = { ArrowUp: now + step, ArrowRight: now + step, ArrowDown: now - step, ArrowLeft: now - step,
                      PageUp: now + 10 * step, PageDown: now - 10 * step, Home: lo, End: hi }[event.key];
      if (value === undefined) return;
      event.preventDefault();
      setLatentValue(state, state.active, j, value, "key");
    });
    return h;
  }

  // Under the plot: what is coloured and what is grey, and the switch between shared and fitted axes. Rebuilt only
  // when what it says changes, so a switch keeps the keyboard's focus when it is toggled.
  let keySays = null;
  function renderKey() {
    const shown = state.models[state.active].meta.kind.toUpperCase();
    const other = SLOTS.filter((s) => s !== state.active).map((s) => state.models[s].meta.kind.toUpperCase());
    const says = [shown, ...other, Boolean(state.models[state.active].meta.both_slots)].join("|");
    if (says === keySays) {
      const box = key.querySelector(".fit-axes");
      if (box) box.checked = state.fit;
      key.querySelector(".common-scale").checked = state.commonScale;
      return;
    }
    keySays = says;
    key.innerHTML = `
      <span class="key-shown">${shown}: filled violins, coloured lines</span>
      <span class="key-other">${other.join(", ")}: outlined violins, grey lines</span>
      <label class="switch"><input type="checkbox" class="common-scale"> One scale for all axes</label>
      <label class="switch"><input type="checkbox" class="fit-axes"> Fit axes to the ${shown} only</label>`;
    if (state.models[state.active].meta.both_slots) {
      key.querySelector(".key-other").remove(); // one model in both slots: nothing greyed to explain
      key.querySelector(".fit-axes").parentElement.remove();
    }
    const box = key.querySelector(".fit-axes");
    if (box) {
      box.checked = state.fit;
      box.addEventListener("change", () => setFit(state, box.checked));
    }
    const common = key.querySelector(".common-scale");
    common.checked = state.commonScale;
    common.title = "every axis in the same latent units, so a dimension the model barely uses looks as small as it is";
    common.addEventListener("change", () => setCommonScale(state, common.checked));
  }

  function renderAll() {
    renderKey();
    renderAxes();
    renderInputs();
    renderReconstruction();
  }

  state.on("active", renderAll); // the violins redraw themselves on the same topics
  state.on("axes", renderAll);
  state.on("inputs", renderInputs);
  state.on("hover", renderHover);
  state.on("latent", ({ slot }) => {
    if (slot === state.active) renderReconstruction();
    else renderOther();
  });
  // The minimum band height and the text's size are in screen pixels: redraw when the plot's size changes.
  new ResizeObserver(([entry]) => {
    const w = entry.borderBoxSize?.[0]?.inlineSize ?? el.getBoundingClientRect().width;
    if (w > 0 && Math.abs(w - shownWidth) > 0.5) {
      shownWidth = w;
      for (const slot of SLOTS) if (!state.drawnBy[slot]) state.drawn[slot] = null; // the default for this width
      state.emit("axes");
    }
  }).observe(el);
  el.insertBefore(hoverName, key);
  renderAll();
  return { root };
}

/** Distance from (px, py) to the nearest point of the polyline `pts` ([[x, y], ...]), in the same units. */
function distanceToPolyline(px, py, pts) {
  let best = Infinity;
  for (let k = 0; k + 1 < pts.length; k++) {
    const [ax, ay] = pts[k];
    const [bx, by] = pts[k + 1];
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
    best = Math.min(best, Math.hypot(px - (ax + t * dx), py - (ay + t * dy)));
  }
  if (pts.length === 1) best = Math.hypot(px - pts[0][0], py - pts[0][1]);
  return best;
}
