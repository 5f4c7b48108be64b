// The grey violins behind the parallel-coordinate axes: each latent dimension's training distribution (the
// analysis's kernel density on its grid), mirrored about the axis.

import { svg } from "./svg.js";

/**
 * Draw the shown model's violins into an SVG group and redraw them when the model changes.
 * @param {SVGGElement} group
 * @param {object} state the shared state
 * @param {{geometry: () => {x: (j) => number, y: (j, v) => number, halfWidth: number}}} options
 */
export function createViolins(group, state, { geometry }) {
  function render() {
    group.replaceChildren();
    const model = state.models[state.active];
    const { x, y, halfWidth } = geometry();
    const G = model.densityGrid.length / model.d;
    for (let j = 0; j < model.d; j++) {
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
      svg("path", { d: `M${right.join("L")}L${left.reverse().join("L")}Z`, class: "violin" }, group);
    }
  }
  state.on("active", render);
  render();
  return { group };
}
