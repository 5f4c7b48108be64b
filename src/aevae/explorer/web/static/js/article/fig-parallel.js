// Figure 6, how to read parallel coordinates: one input's d code values (the VAE's μ for the input the figures
// share) become one line across d vertical axes, each axis one latent dimension over the span of its training
// values, with that dimension's violin — the density of its training values, mirrored — drawn behind it. The same
// drawing as the explorer's latent view, small enough to read before the explorer is embedded below it.

import { esc, num } from "./format.js";

const W = 420;
const H = 240;
const PAD = { l: 34, r: 20, t: 22, b: 26 };

/** Build the figure inside `el`; it follows the shared input. */
export function createParallelFigure(el, ctx) {
  const model = ctx.models.vae;
  const { ranges } = model;
  const d = model.meta.latent_dim;
  const G = model.densityGrid.length / d;
  const x = (j) => PAD.l + ((W - PAD.l - PAD.r) * (d === 1 ? 0.5 : j / (d - 1)));
  const y = (j, v) => PAD.t + ((H - PAD.t - PAD.b) * (ranges[j][1] - v)) / (ranges[j][1] - ranges[j][0]);
  const half = Math.min(40, (W - PAD.l - PAD.r) / Math.max(1, d - 1) / 2.4);
  const violins = Array.from({ length: d }, (_, j) => {
    const dens = model.density.subarray(j * G, (j + 1) * G);
    const grid = model.densityGrid.subarray(j * G, (j + 1) * G);
    const peak = Math.max(...dens) || 1;
    const side = (sign) => Array.from(grid, (g, k) => `${(x(j) + (sign * half * dens[k]) / peak).toFixed(1)},${y(j, g).toFixed(1)}`);
    return `<polygon class="pc-violin" points="${[...side(1), ...side(-1).reverse()].join(" ")}"/>`;
  }).join("");
  const axes = Array.from({ length: d }, (_, j) => `<line class="pc-axis" x1="${x(j)}" x2="${x(j)}" y1="${PAD.t}"
      y2="${H - PAD.b}"/><text x="${x(j)}" y="${PAD.t - 8}" class="pc-name">z${j + 1}</text>
    <text x="${x(j)}" y="${H - PAD.b + 16}" class="pc-tick">${num(ranges[j][0], 1)}</text>
    <text x="${x(j) + 4}" y="${PAD.t + 4}" class="pc-tick pc-top">${num(ranges[j][1], 1)}</text>`).join("");
  el.innerHTML = `
    <svg class="pc-svg" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="pc-title">
      <title id="pc-title">One input's ${d} code values drawn as one line across ${d} axes, over each dimension's violin of training values</title>
      <g class="pc-violins">${violins}</g><g>${axes}</g><polyline class="pc-line"/><g class="pc-points"></g></svg>
    <p class="pc-values"></p>`;
  const line = el.querySelector(".pc-line");
  const points = el.querySelector(".pc-points");
  function update() {
    const { mu } = model.net.encode(ctx.image());
    const pts = Array.from(mu, (v, j) => [x(j), y(j, Math.min(ranges[j][1], Math.max(ranges[j][0], v)))]);
    line.setAttribute("points", pts.map((p) => p.map((c) => c.toFixed(1)).join(",")).join(" "));
    points.innerHTML = pts.map(([px, py]) => `<circle cx="${px}" cy="${py}" r="4"/>`).join("");
    el.querySelector(".pc-values").innerHTML = `${esc(ctx.gallery[ctx.state.input].name)}: μ = (${Array.from(mu,
      (v, j) => `<span class="pc-value" data-dim="${j}">${num(v, 2)}</span>`).join(", ")}) — one number per axis,
      read off where the line crosses it.`;
    el.dataset.mu = Array.from(mu).join(",");
  }
  ctx.state.on("input", update);
  update();
}
