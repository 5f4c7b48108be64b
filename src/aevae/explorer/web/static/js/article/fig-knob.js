// "Turn the KL knob": the bundle's β family (aevae.explorer.bundle.family) behind one slider. At each β the figure
// shows the same two test inputs and the straight line between their codes, decoded by that β's model; the
// model's violins on one scale shared by every β, so they visibly contract as β grows; and its rate and
// distortion. The sentence under it is written from the numbers of the two ends. Nothing shows without a β family.

import { drawImage } from "../images.js";
import { formatValue, svg } from "../svg.js";
import { esc, num } from "./format.js";

const STEPS = [0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1]; // positions on the line from input A's code to B's
const VIOLIN = { width: 64, height: 150, top: 8, bottom: 18 }; // one dimension's column, CSS pixels

/**
 * @param {HTMLElement} el the article's #kl-knob slot (left empty, and so hidden, without a β family)
 * @param {object} ctx the article's context (article/context.js)
 * @returns {{set: (index: number) => void}|null}
 */
export function createKnobFigure(el, ctx) {
  const family = ctx.bundle.family;
  if (!family || family.axis !== "beta") return null;
  const tests = ctx.gallery.flatMap((item, i) => (item.kind === "test" ? [i] : []));
  const [a, b] = [tests[0], tests.find((i) => ctx.gallery[i].label !== ctx.gallery[tests[0]].label) ?? tests[1]];
  const n = family.members.length;
  el.innerHTML = `<figure class="fig knob" aria-labelledby="knob-cap">
    <div class="knob-control"><label>β <input type="range" class="knob-range" min="0" max="${n - 1}" step="1"
      value="${family.values.indexOf(1) >= 0 ? family.values.indexOf(1) : 0}"></label>
      <output class="knob-value"></output></div>
    <div class="knob-strip" role="img"></div>
    <svg class="knob-violins" aria-hidden="true"></svg>
    <p class="knob-numbers"></p>
    <figcaption id="knob-cap"><strong>Turn the KL knob.</strong> ${n} VAEs trained alike but for β, the weight of
      the KL term. The line between the codes of ${esc(ctx.gallery[a].name)} and ${esc(ctx.gallery[b].name)},
      decoded by each; below, each latent dimension's training distribution, on one scale for every β.
      <span class="knob-summary"></span></figcaption></figure>`;
  const range = el.querySelector(".knob-range");
  const strip = el.querySelector(".knob-strip");
  const canvases = STEPS.map(() => Object.assign(document.createElement("canvas"), { className: "knob-cell" }));
  strip.append(...canvases);
  const [lo, hi] = sharedScale(family.members);
  el.querySelector(".knob-summary").textContent = summary(family);

  function set(index) {
    const member = family.members[index];
    range.value = String(index);
    el.querySelector(".knob-value").textContent = `β = ${formatValue(member.value)}`;
    const za = member.net.encode(ctx.gallery[a].image).mu;
    const zb = member.net.encode(ctx.gallery[b].image).mu;
    STEPS.forEach((t, k) => {
      const z = Float64Array.from(za, (v, j) => v + t * (zb[j] - v));
      drawImage(canvases[k], member.net.decode(z), true);
    });
    strip.setAttribute("aria-label", `the line from ${ctx.gallery[a].name} to ${ctx.gallery[b].name} decoded by the `
      + `model at β = ${formatValue(member.value)}`);
    drawViolins(el.querySelector(".knob-violins"), member, lo, hi);
    const h = member.headline;
    el.querySelector(".knob-numbers").innerHTML = `At β = ${formatValue(member.value)}: rate (KL)
      <output class="val" data-key="kl_bits_per_image" data-value="${h.kl_bits_per_image}">${num(
        h.kl_bits_per_image, 1)}</output> bits/image, distortion (BCE) <output class="val" data-key="bce_nats_per_image"
      data-value="${h.bce_nats_per_image}">${num(h.bce_nats_per_image, 1)}</output> nats/image, −ELBO
      ${num(h.neg_elbo_nats_per_image, 1)} nats/image (test means).`;
  }
  range.addEventListener("input", () => set(Number(range.value)));
  set(Number(range.value));
  return { set };
}

/** One sentence about the two ends, from their numbers: how far the rate falls and the spread contracts. */
export function summary(family) {
  const [first, last] = [family.members[0], family.members[family.members.length - 1]];
  const spread = (m) => Math.max(...Array.from({ length: m.meta.latent_dim }, (_, j) => m.quantiles[j * 101 + 99]
    - m.quantiles[j * 101 + 1]));
  const [r0, r1] = [first.headline.kl_bits_per_image, last.headline.kl_bits_per_image];
  const [s0, s1] = [spread(first), spread(last)];
  const rate = r1 < r0 ? `falls from ${num(r0, 1)} to ${num(r1, 1)} bits/image` : `rises from ${num(r0, 1)} to `
    + `${num(r1, 1)} bits/image`;
  const width = s1 < s0 ? `the widest dimension's middle 98 % narrows from ${num(s0, 1)} to ${num(s1, 1)}`
    : `the widest dimension's middle 98 % widens from ${num(s0, 1)} to ${num(s1, 1)}`;
  const cost = last.headline.bce_nats_per_image > first.headline.bce_nats_per_image
    ? `while reconstruction costs ${num(last.headline.bce_nats_per_image - first.headline.bce_nats_per_image, 1)}`
      + " nats/image more" : "with no loss in reconstruction";
  return `From β = ${formatValue(first.value)} to β = ${formatValue(last.value)} the rate ${rate} and ${width} `
    + `latent units, ${cost}.`;
}

function sharedScale(members) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const m of members) {
    for (const v of m.densityGrid) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return [lo, hi];
}

function drawViolins(root, member, lo, hi) {
  const { width, height, top, bottom } = VIOLIN;
  root.replaceChildren();
  root.setAttribute("viewBox", `0 0 ${width * member.meta.latent_dim} ${height}`);
  root.setAttribute("width", String(width * member.meta.latent_dim));
  root.setAttribute("height", String(height));
  const G = member.densityGrid.length / member.meta.latent_dim;
  const y = (v) => height - bottom - ((v - lo) / (hi - lo)) * (height - top - bottom);
  for (let j = 0; j < member.meta.latent_dim; j++) {
    const grid = member.densityGrid.subarray(j * G, (j + 1) * G);
    const density = member.density.subarray(j * G, (j + 1) * G);
    const peak = Math.max(...density) || 1;
    const x = width * (j + 0.5);
    const right = Array.from(grid, (v, g) => `${(x + (density[g] / peak) * width * 0.42).toFixed(1)},${y(v).toFixed(1)}`);
    const left = Array.from(grid, (v, g) => `${(x - (density[g] / peak) * width * 0.42).toFixed(1)},${y(v).toFixed(1)}`);
    svg("path", { d: `M${right.join("L")}L${left.reverse().join("L")}Z`, class: "knob-violin", "data-dim": j }, root);
    svg("line", { x1: x, x2: x, y1: y(hi), y2: y(lo), class: "knob-axis" }, root);
    svg("text", { x, y: height - 4, "text-anchor": "middle", class: "knob-label" }, root).textContent = `z${j + 1}`;
  }
  svg("text", { x: 2, y: y(0) - 2, class: "knob-label" }, root).textContent = "0";
}
