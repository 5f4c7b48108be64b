// Parallel coordinates of the shown model's latent space: one vertical axis per dimension over its grey violin,
// each selected input's code as a coloured polyline (for a VAE: μ, with the ±σ band), and the black
// reconstruction line whose points drag along their axes. Double-clicking an input's line snaps to it.

import { setLatentValue, snapTo } from "./actions.js";
import { RECONSTRUCTION } from "./palette.js";
import { formatValue, svg } from "./svg.js";
import { createViolins } from "./violins.js";

/**
 * @param {HTMLElement} el container
 * @param {object} state the shared state
 * @param {{width?: number, height?: number}} options the SVG's coordinate size (it scales to the container)
 */
export function createParallel(el, state, { width = 640, height = 380 } = {}) {
  const margin = { top: 34, bottom: 30, left: 62, right: 62 };
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "parallel", role: "img",
    "aria-label": "Latent space: one vertical axis per dimension over its violin; the black line is the decoded code" });
  el.appendChild(root);
  const layers = {
    violins: svg("g", { class: "violins" }, root),
    axes: svg("g", { class: "axes" }, root),
    inputs: svg("g", { class: "inputs" }, root),
    reconstruction: svg("g", { class: "reconstruction" }, root),
  };

  function geometry() {
    const model = state.models[state.active];
    const ranges = model.ranges;
    const span = width - margin.left - margin.right;
    const step = model.d > 1 ? span / (model.d - 1) : 0;
    const x = (j) => (model.d > 1 ? margin.left + j * step : width / 2);
    const top = margin.top;
    const bottom = height - margin.bottom;
    const y = (j, v) => {
      const [lo, hi] = ranges[j];
      return bottom - ((v - lo) / (hi - lo)) * (bottom - top);
    };
    const value = (j, py) => {
      const [lo, hi] = ranges[j];
      return lo + ((bottom - py) / (bottom - top)) * (hi - lo);
    };
    return { x, y, value, top, bottom, halfWidth: Math.min(step ? step * 0.42 : 80, margin.left - 4), d: model.d, ranges };
  }

  createViolins(layers.violins, state, { geometry });

  function renderAxes() {
    layers.axes.replaceChildren();
    const { x, y, top, bottom, d, ranges } = geometry();
    for (let j = 0; j < d; j++) {
      const [lo, hi] = ranges[j];
      svg("line", { x1: x(j), x2: x(j), y1: top, y2: bottom, class: "axis", "data-dim": j, "data-min": lo,
                    "data-max": hi, "data-top": top, "data-bottom": bottom }, layers.axes);
      svg("text", { x: x(j), y: top - 16, class: "axis-name" }, layers.axes).textContent = `z${j + 1}`;
      svg("text", { x: x(j), y: top - 4, class: "axis-end" }, layers.axes).textContent = formatValue(hi);
      svg("text", { x: x(j), y: bottom + 14, class: "axis-end" }, layers.axes).textContent = formatValue(lo);
      if (lo < 0 && hi > 0) {
        svg("line", { x1: x(j) - 4, x2: x(j) + 4, y1: y(j, 0), y2: y(j, 0), class: "tick" }, layers.axes);
      }
    }
  }

  // Values beyond an axis are drawn at its end, so a line never leaves the plot.
  function point(g, j, v) {
    return [g.x(j), Math.min(Math.max(g.y(j, v), g.top), g.bottom)];
  }

  function renderInputs() {
    layers.inputs.replaceChildren();
    const g = geometry();
    const slot = state.active;
    for (const input of state.inputs.filter((i) => i.selected)) {
      const { mu, sigma } = input.codes[slot];
      const group = svg("g", { class: "input-line", "data-input": input.id, "data-colour": input.colour },
                        layers.inputs);
      if (sigma) {
        const upper = Array.from(mu, (m, j) => point(g, j, m + sigma[j]));
        const lower = Array.from(mu, (m, j) => point(g, j, m - sigma[j])).reverse();
        svg("polygon", { points: [...upper, ...lower].join(" "), class: "sigma-band", fill: input.colour }, group);
      }
      const pts = Array.from(mu, (m, j) => point(g, j, m)).join(" ");
      svg("polyline", { points: pts, class: "mu", stroke: input.colour }, group);
      const hit = svg("polyline", { points: pts, class: "hit" }, group);
      svg("title", {}, hit).textContent = `${input.name}: double-click to snap the black line here`;
      hit.addEventListener("dblclick", (event) => {
        event.preventDefault();
        snapTo(state, input);
      });
    }
  }

  let handles = [];
  const line = svg("polyline", { class: "recon-line", stroke: RECONSTRUCTION }, layers.reconstruction);

  function renderReconstruction() {
    const g = geometry();
    const z = state.latent[state.active];
    if (handles.length !== g.d) {
      for (const h of handles) h.remove();
      handles = Array.from({ length: g.d }, (_, j) => makeHandle(j));
    }
    line.setAttribute("points", Array.from(z, (v, j) => point(g, j, v)).join(" "));
    handles.forEach((h, j) => {
      const [cx, cy] = point(g, j, z[j]);
      h.setAttribute("cx", cx);
      h.setAttribute("cy", cy);
      h.setAttribute("data-value", z[j]);
    });
  }

  function makeHandle(j) {
    const h = svg("circle", { r: 7, class: "handle", "data-dim": j, tabindex: 0 }, layers.reconstruction);
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
    h.addEventListener("keydown", (event) => {
      const [lo, hi] = state.models[state.active].ranges[j];
      const step = (hi - lo) / 50;
      const delta = { ArrowUp: step, ArrowDown: -step }[event.key];
      if (delta === undefined) return;
      event.preventDefault();
      setLatentValue(state, state.active, j, state.latent[state.active][j] + delta, "key");
    });
    return h;
  }

  function renderAll() {
    renderAxes();
    renderInputs();
    renderReconstruction();
  }

  state.on("active", renderAll); // the violins redraw themselves on the same topic
  state.on("inputs", renderInputs);
  state.on("latent", ({ slot }) => {
    if (slot === state.active) renderReconstruction();
  });
  renderAll();
  return { root };
}
