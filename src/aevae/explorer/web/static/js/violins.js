// The violins behind the parallel-coordinate axes: each latent dimension's training distribution (the analysis's
// kernel density on its grid), mirrored about the axis. The shown model's are filled grey; the other model's are
// outlined on the same axes, so both spreads are seen to one scale.

import { SLOTS } from "./bundle.js";
import { svg } from "./svg.js";

/**
 * Draw both models' violins into two SVG groups and redraw them when the model shown or the axes change.
 * @param {{shown: SVGGElement, other: SVGGElement}} groups shown: filled, below the axes; other: outlines
 * @param {object} state the shared state
 * @param {{geometry: () => {x: (j) => number, y: (j, v) => number, halfWidth: number, d: number}}} options
 */
export function createViolins(groups, state, { geometry }) {
  function violins(model, group, className) {
    const { x, y, halfWidth, d } = geometry();
    const G = model.densityGrid.length / model.d;
    for (let j = 0; j < Math.min(model.d, d); j++) {
      const grid = model.densityGrid.subarray(j * G, (j + 1) * G);
      const density = model.density.subarray(j * G, (j + 1) * G);
      const peak = Math.max(...density) || 1;
      const right = [];
      const left = [];
      for (let g = 0; g < G; g++) {
        const w = (density[g] / peak) * halfWidth;
        right.push(`${(x(j) + w).toFixed(2)},${y(j, grid[g]).toFixed(2)}`);
        left.push(`${(x(j) - w).toFixed(2)},${y(j, grid[g]).toFixed(2)}`);
      }
      svg("path", { d: `M${right.join("L")}L${left.reverse().join("L")}Z`, class: className, "data-dim": j }, group);
    }
  }

  function render() {
    groups.shown.replaceChildren();
    groups.other.replaceChildren();
    violins(state.models[state.active], groups.shown, "violin");
    for (const slot of SLOTS) if (slot !== state.active) violins(state.models[slot], groups.other, "violin-other");
  }
  state.on("active", render);
  state.on("axes", render);
  render();
  return { groups };
}
