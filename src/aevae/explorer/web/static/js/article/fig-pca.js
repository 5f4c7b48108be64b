// Figure 5: both models' training latents on their first two principal components, side by side, coloured by
// label, on one shared scale (so the AE's spread and the VAE's compactness compare at a glance), with a switch to
// fit each map to its own points, and the numbers that carry the claim: mean ‖z‖, per-dimension spread and the
// silhouette by label (from the analysis).

import { SLOTS } from "../bundle.js";
import { colourOf, rgb } from "../palette.js";
import { project } from "../latent.js";
import { formatValue } from "../svg.js";
import { num } from "./format.js";

const SIZE = 260; // CSS pixels of each square map
const EXTENT = [0.005, 0.995]; // percentiles that set a map's window: a few outliers must not shrink the bulk

function window1(points) {
  const xs = [];
  const ys = [];
  const stride = Math.max(1, Math.floor(points.length / 2 / 5000));
  for (let i = 0; i < points.length / 2; i += stride) {
    xs.push(points[2 * i]);
    ys.push(points[2 * i + 1]);
  }
  const range = (v) => {
    v.sort((a, b) => a - b);
    return [v[Math.floor(EXTENT[0] * v.length)], v[Math.min(v.length - 1, Math.floor(EXTENT[1] * v.length))]];
  };
  const [x0, x1] = range(xs);
  const [y0, y1] = range(ys);
  const half = (Math.max(x1 - x0, y1 - y0) / 2) * 1.16;
  return { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, half };
}

/** Build Figure 5 inside `el`. */
export function createPcaFigure(el, ctx) {
  const windows = Object.fromEntries(SLOTS.map((s) => [s, window1(ctx.models[s].pcaPoints)]));
  const origins = SLOTS.map((s) => project(ctx.models[s], new Float64Array(ctx.models[s].meta.latent_dim)));
  const shared = Math.max(...SLOTS.map((s) => Math.max(Math.abs(windows[s].cx) + windows[s].half,
    Math.abs(windows[s].cy) + windows[s].half)), ...origins.map(([a, b]) => 1.1 * Math.max(Math.abs(a), Math.abs(b))));
  el.innerHTML = `
    <div class="fig-controls"><label class="switch"><input type="checkbox" class="fit-each"> fit each map to its own
      points</label> <span class="scale-note"></span></div>
    <div class="pca-pair">${SLOTS.map((s) => `
      <figure class="pca-fig" data-slot="${s}"><figcaption>${ctx.models[s].meta.kind.toUpperCase()}
        (d = ${ctx.models[s].meta.latent_dim})</figcaption>
        <canvas class="pca-canvas" role="img" style="width:${SIZE}px;height:${SIZE}px"
          aria-label="${ctx.models[s].meta.kind.toUpperCase()} training latents on their first two principal components, coloured by label"></canvas>
        <div class="pca-axes"></div><div class="pca-origin"></div></figure>`).join("")}</div>
    <p class="fig-note pca-key"><span aria-hidden="true">✕</span> z = 0, the centre of N(0, I) ·
      <span aria-hidden="true">○</span> the centroid of the training codes (the VAE's: of its means μ)</p>
    <div class="legend-row" aria-label="label colours">${ctx.models.vae.meta.classes.map((c, k) =>
      `<span><i style="background:${colourOf(k)}"></i>${c}</span>`).join("")}</div>
    <table class="values fig4-table"><caption>What the maps show, in numbers (training latents)</caption>
      <thead><tr><th scope="col">quantity</th>${SLOTS.map((s) => `<th scope="col">${ctx.models[s].meta.kind.toUpperCase()}</th>`).join("")}</tr></thead>
      <tbody>
        <tr><th scope="row">mean ‖z‖ (latent units, mean over images)</th>${SLOTS.map((s) =>
          `<td data-key="${s}.mean_latent_norm">${num(ctx.models[s].meta.organisation?.mean_latent_norm, 2)}</td>`).join("")}</tr>
        <tr><th scope="row">spread: std of each dimension (latent units)</th>${SLOTS.map((s) =>
          `<td>${(ctx.models[s].meta.organisation?.per_dim_std || []).map((v) => num(v, 2)).join(", ") || "—"}</td>`).join("")}</tr>
        <tr><th scope="row">silhouette by label (−1 … 1)</th>${SLOTS.map((s) =>
          `<td data-key="${s}.silhouette">${num(ctx.models[s].meta.organisation?.silhouette_by_label, 3)}</td>`).join("")}</tr>
      </tbody></table>`;
  const dpr = window.devicePixelRatio || 1;

  function draw() {
    const fit = el.querySelector(".fit-each").checked;
    for (const slot of SLOTS) {
      const model = ctx.models[slot];
      const w = fit ? windows[slot] : { cx: 0, cy: 0, half: shared };
      const canvas = el.querySelector(`.pca-fig[data-slot="${slot}"] canvas`);
      canvas.width = canvas.height = Math.round(SIZE * dpr);
      const c2d = canvas.getContext("2d");
      const img = c2d.createImageData(canvas.width, canvas.height);
      img.data.fill(255);
      const colours = model.meta.classes.map((_, k) => rgb(colourOf(k)));
      const scale = canvas.width / (2 * w.half);
      const { pcaPoints, labels } = model;
      for (let i = 0; i < labels.length; i++) {
        const px = Math.floor((pcaPoints[2 * i] - w.cx + w.half) * scale);
        const py = Math.floor((w.half - (pcaPoints[2 * i + 1] - w.cy)) * scale);
        if (px < 0 || py < 0 || px >= canvas.width || py >= canvas.height) continue;
        const o = 4 * (py * canvas.width + px);
        const col = colours[labels[i] % colours.length] || [0, 0, 0];
        for (let k = 0; k < 3; k++) img.data[o + k] += (col[k] - img.data[o + k]) * 0.4;
      }
      c2d.putImageData(img, 0, 0);
      // z = 0 (where the VAE's prior N(0, I) is centred) projected onto the principal components, which are
      // centred on the codes' mean: the two are different points wherever the codes sit off the origin.
      const [o1, o2] = project(model, new Float64Array(model.meta.latent_dim));
      const ox = (o1 - w.cx + w.half) * scale;
      const oy = (w.half - (o2 - w.cy)) * scale;
      const mx = (w.half - w.cx) * scale; // the centroid: PC coordinates (0, 0)
      const my = (w.half + w.cy) * scale;
      const arm = 9 * dpr;
      c2d.lineWidth = 2 * dpr;
      c2d.strokeStyle = "#1d1f23";
      c2d.beginPath();
      c2d.moveTo(ox - arm, oy - arm);
      c2d.lineTo(ox + arm, oy + arm);
      c2d.moveTo(ox - arm, oy + arm);
      c2d.lineTo(ox + arm, oy - arm);
      c2d.stroke();
      c2d.beginPath();
      c2d.arc(mx, my, 7 * dpr, 0, 2 * Math.PI);
      c2d.stroke();
      canvas.dataset.origin = `${o1},${o2}`;
      canvas.dataset.originPx = `${ox},${oy}`;
      canvas.dataset.centroidPx = `${mx},${my}`;
      const inside = ox >= 0 && oy >= 0 && ox < canvas.width && oy < canvas.height;
      el.querySelector(`.pca-fig[data-slot="${slot}"] .pca-origin`).textContent = `z = 0 at PC (${formatValue(o1)},
        ${formatValue(o2)}), ${num(Math.hypot(o1, o2), 2)} latent units in this plane from the centroid${inside ? "" : " (outside this window)"}.`;
      const ratio = model.meta.pca_explained_variance_ratio.map((r) => `${(100 * r).toFixed(0)} %`);
      el.querySelector(`.pca-fig[data-slot="${slot}"] .pca-axes`).textContent =
        `PC1 (${ratio[0]} of variance) → · PC2 (${ratio[1]}) ↑ · window ±${formatValue(w.half)} latent units`;
    }
    el.querySelector(".scale-note").textContent = fit ? "Each map has its own scale." :
      `Both maps: PC coordinates from −${formatValue(shared)} to ${formatValue(shared)} around the codes' centroid (ring); the cross is z = 0.`;
    el.dataset.scale = fit ? "fit" : "shared";
  }
  el.querySelector(".fit-each").addEventListener("change", draw);
  draw();
}
