// The violins behind the parallel-coordinate axes: each latent dimension's training distribution (the analysis's
// kernel density on its grid), mirrored about the axis. The shown model's are filled grey; the other model's are
// outlined on the same axes, so both spreads are seen to one scale. Where the bundle carries the training latents
// (data sets with known factors), the shown model's violins are split across their width by what the PCA maps are
// coloured by: at each height, the share of the training points there that have each value. A dimension that
// carries a factor shows its colours in bands along the axis; one that ignores it shows them mixed at every height.

import { SLOTS } from "./bundle.js";
import { currentColouring, levelColour } from "./colouring.js";
import { svg } from "./svg.js";

const SMOOTH = 3; // grid steps either side pooled when counting values, so sparse tails do not flicker

/**
 * Draw both models' violins into two SVG groups and redraw them when the model shown, the axes or the colouring
 * change.
 * @param {{shown: SVGGElement, other: SVGGElement}} groups shown: filled, below the axes; other: outlines
 * @param {object} state the shared state
 * @param {{geometry: () => {x: (j) => number, y: (j, v) => number, halfWidth: number, dims: number[]}}} options
 *   x: the axis of dimension j; dims: the dimensions drawn
 */
export function createViolins(groups, state, { geometry }) {
  function outline(model, j, G) {
    const grid = model.densityGrid.subarray(j * G, (j + 1) * G);
    const density = model.density.subarray(j * G, (j + 1) * G);
    const peak = Math.max(...density) || 1;
    return { grid, widths: Array.from(density, (v) => v / peak) };
  }

  // A violin's outline is the same wherever its axis is drawn at the same place and scale: a family's slider and
  // the Show AE switch come back to the same outlines, so each is traced once.
  const traced = new WeakMap(); // model -> Map(where its axis j is drawn -> the path's d)
  function violins(model, group, className) {
    const { x, y, halfWidth, dims } = geometry();
    const d = model.meta.latent_dim;
    const G = model.densityGrid.length / d;
    if (!traced.has(model)) traced.set(model, new Map());
    const paths = traced.get(model);
    if (paths.size > 8 * d) paths.clear(); // outlines for past widths and scales
    for (const j of dims.filter((i) => i < d)) {
      const ends = model.densityGrid.subarray(j * G, (j + 1) * G);
      const where = `${j}|${x(j)}|${halfWidth}|${y(j, ends[0])}|${y(j, ends[G - 1])}`; // y is linear in the value
      if (!paths.has(where)) {
        const { grid, widths } = outline(model, j, G);
        const edge = (g, side) => `${(x(j) + side * widths[g] * halfWidth).toFixed(2)},${y(j, grid[g]).toFixed(2)}`;
        const right = Array.from(grid, (_, g) => edge(g, 1));
        const left = Array.from(grid, (_, g) => edge(g, -1)).reverse();
        paths.set(where, `M${right.join("L")}L${left.join("L")}Z`);
      }
      svg("path", { d: paths.get(where), class: className, "data-dim": j }, group);
    }
  }

  // Shares (G, L) of each value at each grid point of dimension j, from the training latents.
  function shares(model, colouring, j, grid) {
    const G = grid.length;
    const L = colouring.levels.length;
    const counts = new Float64Array(G * L);
    const lo = grid[0];
    const step = (grid[G - 1] - lo) / Math.max(G - 1, 1) || 1;
    const dims = model.meta.latent_dim;
    const n = model.latents.length / dims;
    for (let i = 0; i < n; i++) {
      const g = Math.min(G - 1, Math.max(0, Math.round((model.latents[i * dims + j] - lo) / step)));
      counts[g * L + colouring.value(i)] += 1;
    }
    const out = new Float64Array(G * L);
    for (let g = 0; g < G; g++) {
      let total = 0;
      for (let h = Math.max(0, g - SMOOTH); h <= Math.min(G - 1, g + SMOOTH); h++) {
        for (let l = 0; l < L; l++) {
          out[g * L + l] += counts[h * L + l];
          total += counts[h * L + l];
        }
      }
      for (let l = 0; l < L; l++) out[g * L + l] = total ? out[g * L + l] / total : 1 / L;
    }
    return out;
  }

  function splitViolins(model, group) {
    const { x, y, halfWidth, dims } = geometry();
    const colouring = currentColouring(state, model);
    const G = model.densityGrid.length / model.meta.latent_dim;
    const L = colouring.levels.length;
    for (const j of dims.filter((i) => i < model.meta.latent_dim)) {
      const { grid, widths } = outline(model, j, G);
      const share = shares(model, colouring, j, grid);
      const below = new Float64Array(G); // share of the values before level l, at each grid point
      for (let l = 0; l < L; l++) {
        const at = (g, s) => `${(x(j) + (2 * s - 1) * widths[g] * halfWidth).toFixed(2)},${y(j, grid[g]).toFixed(2)}`;
        const right = [];
        const left = [];
        for (let g = 0; g < G; g++) {
          left.push(at(g, below[g]));
          below[g] += share[g * L + l];
          right.push(at(g, below[g]));
        }
        svg("path", { d: `M${right.join("L")}L${left.reverse().join("L")}Z`, class: "violin-split",
          fill: levelColour(colouring, l), "data-dim": j, "data-level": l }, group);
      }
    }
  }

  function render() {
    groups.shown.replaceChildren();
    groups.other.replaceChildren();
    const shown = state.models[state.active];
    if (shown.latents) splitViolins(shown, groups.shown);
    else violins(shown, groups.shown, "violin");
    if (shown.meta.both_slots) return; // one model in both slots: no grey copy of its own violins
    for (const slot of SLOTS) if (slot !== state.active) violins(state.models[slot], groups.other, "violin-other");
  }
  state.on("active", render);
  state.on("axes", render);
  state.on("colourby", render);
  render();
  return { groups };
}
