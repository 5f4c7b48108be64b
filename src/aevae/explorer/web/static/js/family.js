// The family slider: one control that moves the VAE's place through a family of models along one axis (β, the
// epoch of a run's snapshots, or the latent size d; aevae.explorer.bundle.family). It shows the axis value and the
// model's headline numbers at each stop, and a small rate–distortion chart (KL bits against BCE, Alemi et al. 2018)
// with every member as a dot and the current one ringed, so the slider visibly walks along the trade-off. The
// range input moves by mouse and by keyboard (arrows, Home, End); clicking a dot moves there too, and a button
// puts the pair's own VAE back.

import { codeIn, setMember } from "./actions.js";
import { itemNoun } from "./dataset.js";
import { whenIdle } from "./idle.js";
import { niceTicks } from "./latent.js";
import { oodSignalsOf } from "./ood.js";
import { formatValue, svg } from "./svg.js";

const CHART = { width: 200, height: 100, left: 38, bottom: 26, top: 6, right: 8 }; // CSS pixels

/** How an axis value reads: "β = 0.3", "epoch 4", "d = 8". */
export function stopLabel(family, value) {
  return family.axis === "epoch" ? `epoch ${formatValue(value)}` : `${family.symbol} = ${formatValue(value)}`;
}

/** A member's headline numbers as text, each with its unit and reduction; an AE has no KL. */
export function headlineText(headline) {
  const parts = [`BCE ${headline.bce_nats_per_image.toFixed(1)} nats/image`];
  if (headline.kl_bits_per_image !== undefined) parts.push(`KL ${headline.kl_bits_per_image.toFixed(1)} bits/image`);
  if (headline.neg_elbo_nats_per_image !== undefined) {
    parts.push(`−ELBO ${headline.neg_elbo_nats_per_image.toFixed(1)} nats/image`);
  }
  return parts.join(" · ");
}

/**
 * @param {HTMLElement} el container (left empty and hidden when the bundle has no family)
 * @param {object} state the shared state, with `family` and `member` (null while the VAE slot holds its own model)
 */
export function createFamilySlider(el, state) {
  const family = state.family;
  el.hidden = !family;
  if (!family) return { el };
  const n = family.members.length;
  const name = family.axis === "epoch" ? "training time (saved epochs)" : family.axis === "beta"
    ? "the KL weight β" : "the latent size d";
  el.innerHTML = `
    <div class="family-control">
      <label class="family-label">Turn the knob: ${name}
        <input type="range" class="family-range" min="0" max="${n - 1}" step="1"></label>
      <div class="family-ticks" aria-hidden="true">${family.values.map((v) => `<span>${formatValue(v)}</span>`)
        .join("")}</div>
      <p class="family-stop"><span class="family-stop-text" aria-live="polite"></span>
        <button type="button" class="family-own" hidden>back to the pair's own VAE</button></p>
      <p class="family-headline"></p>
    </div>
    <figure class="family-chart"><figcaption title="each dot is one model of the family">Rate–distortion, a dot per model</figcaption></figure>`;
  const range = el.querySelector(".family-range");
  const chart = rateDistortionChart(el.querySelector(".family-chart"), state);

  range.addEventListener("input", () => setMember(state, Number(range.value)));
  const back = el.querySelector(".family-own");
  back.addEventListener("click", () => {
    setMember(state, null);
    range.focus(); // the button hides itself: the keyboard stays on the control
  });

  function render() {
    const shown = state.member === null ? nearestMember(state) : state.member;
    range.value = String(shown);
    const member = family.members[shown];
    const label = stopLabel(family, member.value);
    range.setAttribute("aria-valuetext", `${label}: ${headlineText(member.headline)}`);
    el.querySelector(".family-stop-text").textContent = state.member === null
      ? `Showing the pair's own VAE; move the slider to swap in the family's models.`
      : `Showing the model at ${label} (${shown + 1} of ${n}).`;
    const headline = el.querySelector(".family-headline"); // a member's numbers only while a member is shown
    headline.hidden = state.member === null;
    headline.textContent = headlineText(member.headline);
    back.hidden = state.member === null;
    chart.mark(state.member);
  }
  state.on("model", render);
  state.on("inputs", () => warmMembers(state));
  render();
  warmMembers(state);
  return { el, range };
}

/** While the page is idle, encode the selected inputs with every member of the family and work out their signals
 * (ood.js), so that a step of the slider finds them ready. */
function warmMembers(state) {
  const selected = state.inputs.filter((input) => input.selected);
  whenIdle(state.family.members.flatMap((member) => selected.map((input) => () => {
    oodSignalsOf(member, codeIn(member, input.image), input.image, itemNoun(member.meta).many);
  })));
}

/** The member nearest the VAE slot's own model on the axis (where the slider rests before it is first moved). */
function nearestMember(state) {
  const { family } = state;
  const config = state.models.vae.meta.config || {};
  const own = family.axis === "latent_dim" ? config.model?.latent_dim : family.axis === "beta" ? config.model?.beta
    : config.train?.epochs;
  if (own === undefined) return family.members.length - 1;
  let best = 0;
  family.values.forEach((v, i) => {
    if (Math.abs(v - own) < Math.abs(family.values[best] - own)) best = i;
  });
  return best;
}

/** The KL-bits-against-BCE chart; `mark(index)` rings the current member (none for null). */
function rateDistortionChart(figure, state) {
  const { family } = state;
  const { width, height, left, bottom, top, right } = CHART;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "rd-chart", role: "img" }, figure);
  const points = family.members.map((m) => [m.headline.kl_bits_per_image ?? 0, m.headline.bce_nats_per_image]);
  const span = (values) => {
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const pad = (hi - lo) * 0.08 || 1;
    return [lo - pad, hi + pad];
  };
  const [x0, x1] = span(points.map((p) => p[0]));
  const [y0, y1] = span(points.map((p) => p[1]));
  const px = (x) => left + ((x - x0) / (x1 - x0)) * (width - left - right);
  const py = (y) => height - bottom - ((y - y0) / (y1 - y0)) * (height - bottom - top);
  const axes = svg("g", { class: "rd-axes" }, root);
  for (const t of niceTicks(x0, x1, 4)) {
    svg("text", { x: px(t), y: height - bottom + 11, "text-anchor": "middle" }, axes).textContent = formatValue(t);
  }
  for (const t of niceTicks(y0, y1, 3)) {
    svg("text", { x: left - 3, y: py(t) + 3, "text-anchor": "end" }, axes).textContent = formatValue(t);
  }
  svg("text", { x: (left + width) / 2, y: height - 2, "text-anchor": "middle", class: "rd-title" }, axes)
    .textContent = "rate: KL, bits/image";
  svg("text", { x: 9, y: height / 2, transform: `rotate(-90 9 ${height / 2})`, // the whole height: it fits
    "text-anchor": "middle", class: "rd-title" }, axes).textContent = "BCE, nats/image";
  svg("polyline", { class: "rd-line", points: points.map(([x, y]) => `${px(x)},${py(y)}`).join(" ") }, root);
  const dots = points.map(([x, y], i) => {
    const dot = svg("circle", { cx: px(x), cy: py(y), r: 4, class: "rd-dot", "data-index": i }, root);
    svg("title", {}, dot).textContent = `${stopLabel(family, family.values[i])}: ${headlineText(
      family.members[i].headline)}`;
    dot.addEventListener("click", () => setMember(state, i));
    return dot;
  });
  const ring = svg("circle", { r: 7, class: "rd-current" }, root);
  root.setAttribute("aria-label", `Rate–distortion of the ${family.members.length} models: ${points.map(([x, y], i) =>
    `${stopLabel(family, family.values[i])} KL ${x.toFixed(1)} bits, BCE ${y.toFixed(1)} nats`).join("; ")}`);
  return {
    mark(index) {
      ring.setAttribute("visibility", index === null ? "hidden" : "visible");
      if (index !== null) {
        ring.setAttribute("cx", dots[index].getAttribute("cx"));
        ring.setAttribute("cy", dots[index].getAttribute("cy"));
      }
      dots.forEach((dot, i) => dot.classList.toggle("current", i === index));
    },
  };
}
