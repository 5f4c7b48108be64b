// "Watch it learn": where the bundle's family carries snapshots (aevae train --snapshots), the same test images'
// codes at each saved epoch, for the AE-like end of the family (β = 0) and the VAE (β = 1) side by side: one small
// scatter per epoch, every panel on the final model's two principal axes and one scale per row, coloured by class.
// The captions under each panel are that epoch's test numbers, from the bundle.

import { colourOf } from "../palette.js";
import { formatValue } from "../svg.js";
import { num } from "./format.js";

const SIZE = 120; // CSS pixels per panel

/**
 * @param {HTMLElement} el where the figure goes (nothing is drawn without snapshots)
 * @param {object} ctx the article's context (article/context.js)
 * @returns {HTMLElement|null} the figure
 */
export function createLearnFigure(el, ctx) {
  const family = ctx.bundle.family;
  if (!family?.snapshots?.length) return null;
  const figure = document.createElement("figure");
  figure.className = "fig learn";
  figure.setAttribute("aria-labelledby", "learn-cap");
  for (const snap of family.snapshots) {
    const member = family.members[snap.member];
    const row = document.createElement("div");
    row.className = "learn-row";
    row.dataset.value = String(member.value);
    const name = document.createElement("p");
    name.className = "learn-name";
    name.textContent = `β = ${formatValue(member.value)}`;
    row.append(name);
    const points = snap.epochs.map((_, e) => project(snap, e, member));
    const span = Math.max(...points.flat(2).map(Math.abs), 1e-6) * 1.05;
    snap.epochs.forEach((epoch, e) => {
      const cell = document.createElement("figure");
      cell.className = "learn-cell";
      const canvas = Object.assign(document.createElement("canvas"), { width: SIZE, height: SIZE });
      canvas.dataset.epoch = String(epoch);
      scatter(canvas, points[e], snap.labels, span);
      const h = snap.metrics[e];
      const caption = document.createElement("figcaption");
      caption.textContent = `epoch ${epoch}: BCE ${num(h.bce_nats_per_image, 0)} nats, KL ${num(
        h.kl_bits_per_image, 1)} bits`;
      cell.append(canvas, caption);
      row.append(cell);
    });
    figure.append(row);
  }
  const cap = document.createElement("figcaption");
  cap.id = "learn-cap";
  cap.innerHTML = `<strong>Watch it learn.</strong> The codes of the same ${family.snapshots[0].labels.length} test
    images after each saved epoch (epoch 0: before the first step), on each model's final two principal axes,
    one scale per row; numbers per image on the test set.`;
  figure.append(cap);
  el.append(figure);
  return figure;
}

/** The snapshot's codes at epoch index `e` on the member's two principal axes: [[p1, p2], ...]. */
function project(snap, e, member) {
  const d = member.meta.latent_dim;
  const n = snap.labels.length;
  const out = [];
  for (let i = 0; i < n; i++) {
    const base = (e * n + i) * d;
    const p = [0, 1].map((c) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (snap.mu[base + j] - member.pcaMean[j]) * member.pcaComponents[c * d + j];
      return s;
    });
    out.push(p);
  }
  return out;
}

function scatter(canvas, points, labels, span) {
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, SIZE, SIZE);
  points.forEach(([x, y], i) => {
    ctx.fillStyle = colourOf(labels[i]);
    ctx.fillRect(SIZE / 2 + (x / span) * (SIZE / 2) - 1, SIZE / 2 - (y / span) * (SIZE / 2) - 1, 2, 2);
  });
}
