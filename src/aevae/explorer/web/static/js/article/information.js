// Section 8, information theory: the bit budget derived step by step from the loaded models' image size, colour
// channels and latent size (each step's result is checked against the analysis's own number), then what the
// models really use: the VAE's KL in bits/image and, from the rate–distortion curve the analysis measured (drawn
// beside the text), the bits each decoder needs.

import { svg } from "../svg.js";
import { command, num, pct, value } from "./format.js";
import { term } from "./terms.js";

const GREY_LEVELS = 256; // an 8-bit pixel value
const FLOAT_BITS = 32; // a float32 latent number
const PAPER = { size: 32, channels: 1, d: 4, share: "1/64 ≈ 1.56 %", compression: "≈ 98.5 %" }; // quoted

/** The section's HTML for the models of `ctx` (the AE's and the VAE's bit budgets share the image size). */
export function informationSection(ctx) {
  const ae = ctx.models.ae.meta;
  const vae = ctx.models.vae.meta;
  const S = vae.image_size;
  const C = vae.config?.model?.channels ?? 1;
  const d = vae.latent_dim;
  const bitsPerValue = Math.log2(GREY_LEVELS);
  const inputBits = S * S * C * bitsPerValue;
  const latentBits = FLOAT_BITS * d;
  const factor = inputBits / latentBits;
  const compression = 1 - latentBits / inputBits;
  const stored = vae.info || {};
  const check = (mine, theirs) => (theirs === undefined || theirs === mine ? "" :
    ` <span class="warn">(the analysis stores ${num(theirs, 2)})</span>`);
  const paperSetting = S === PAPER.size && C === PAPER.channels && d === PAPER.d;
  const kl = vae.metrics?.kl_bits_per_image;
  const used = (m) => m.info?.bits_used_per_image;
  const aeD = ae.latent_dim;
  return `
    <p>How much can ${d} numbers say about an image? Count the bits on both sides; every number below is computed
      from the loaded models' image size (${S}×${S}), colour channels (${C}) and latent size (d = ${d}).</p>
    <ol class="steps">
      <li>An input pixel holds one of ${GREY_LEVELS} grey levels: log₂ ${GREY_LEVELS} = ${value("bits_per_value", bitsPerValue, num(bitsPerValue))} bits.
        The ${term("x", "input image")} has ${S}·${S}·${C} = ${num(S * S * C)} values:
        <math aria-label="${S} times ${S} times ${C} times ${bitsPerValue}"><mn>${S}</mn><mo>·</mo><mn>${S}</mn><mo>·</mo><mn>${C}</mn><mo>·</mo><mn>${bitsPerValue}</mn></math>
        = ${value("input_bits", inputBits, num(inputBits))} bits per image${check(inputBits, stored.input_bits)}.</li>
      <li>The ${term("z", "latent code")} is ${d} float32 numbers of ${FLOAT_BITS} bits:
        ${d} × ${FLOAT_BITS} = ${value("latent_float_bits", latentBits, num(latentBits))} bits per image${check(latentBits, stored.latent_float_bits)}.</li>
      <li>The input has ${value("ratio", factor, num(factor, factor % 1 ? 2 : 0))} times as many bits
        (${num(inputBits)} / ${num(latentBits)})${check(factor, stored.ratio)}: even a code that used every one
        of its bits holds at most 1/${num(factor, factor % 1 ? 2 : 0)} ≈ ${value("share", 1 / factor, pct(1 / factor, 2))} of
        the bits an image could hold.</li>
      <li>As a compression: 1 − ${num(latentBits)}/${num(inputBits)} = ${value("compression", compression, pct(compression, 2))}
        of the bits are dropped. ${paperSetting ? `The paper writes ${PAPER.share} and ${PAPER.compression}: the same
        arithmetic, the second rounded (98.4375 % is nearer 98.4 %).` : `The paper, for 32×32 grey images and d = 4,
        writes ${PAPER.share} and ${PAPER.compression}; the loaded models' own setting gives the numbers above.`}</li>
    </ol>
    <p class="correction" data-key="bit-ratio"><strong>What the ${num(factor, factor % 1 ? 2 : 0)} is, and what it is
      not.</strong> It is a ratio of bit counts — not a probability, and not a share of images. ${num(latentBits)} bits
      can index at most 2<sup>${num(latentBits)}</sup> different codes; ${num(inputBits)} bits describe
      2<sup>${num(inputBits)}</sup> possible images. The codes could single out at most
      2<sup>${num(latentBits)}</sup> / 2<sup>${num(inputBits)}</sup> = 2<sup>−${num(inputBits - latentBits)}</sup>
      of all images, a number with no useful size at all. The paper reads 1/${num(factor, factor % 1 ? 2 : 0)} as a
      1-in-${num(factor, factor % 1 ? 2 : 0)} chance of reconstructing an arbitrary image; nothing in the bit counts
      says that. What they do say is that most possible images must share a code with others and come out alike; a
      digit still comes back well because digits are a tiny, regular corner of all images, and that corner is what
      the models learned.</p>
    <p>These are bounds. What the models <em>use</em> is measured:</p>
    <ul class="measured">
      <li>The VAE's ${term("kl", "KL term")}, averaged over images, is its <em>rate</em>:
        ${value("vae_kl_bits", kl, num(kl, 1))} bits/image on the test set (mean over images, summed over the
        ${d} dimensions). The rate is an upper bound on the mutual information I(x; z) between an image and its
        noisy code (Alemi et al. 2018), not the information itself: the code carries at most that much.</li>
      <li>The AE's code, quantised uniformly dimension by dimension, decodes within
        ${num(ae.info?.bits_used_tolerance_nats ?? 1)} nat/image of the unquantised reconstruction from
        ${value("ae_bits_used", used(ae), num(used(ae)))} bits/image, ${pct(used(ae) / (FLOAT_BITS * aeD), 0)} of the
        ${num(FLOAT_BITS * aeD)} its ${aeD} float32 numbers hold; the VAE's μ, quantised the same way, needs
        ${value("vae_bits_used", used(vae), num(used(vae)))}, ${pct(used(vae) / latentBits, 0)} of ${num(latentBits)}
        (Figure 7).</li>
    </ul>
    <p>Why do the two numbers differ? The KL bounds what gets through a channel that adds noise of size
      ${term("sigma", "σ")} to every code: the decoder has learned to ignore detail finer than that noise. The
      quantisation count is a cruder code — a fixed grid over each dimension's range, no entropy coding — so it is
      an upper bound on what a decoder needs, and for the AE, whose decoder never saw noise, the only measure we
      have. Both are small beside the ${num(latentBits)} bits a float code could hold: the code is mostly unused
      precision.</p>`;
}

/** The rate–distortion figure's frame (drawRateDistortion fills it). */
export function rateDistortionFigure(ctx) {
  const vae = ctx.models.vae.meta;
  return `
    <figure class="fig rd-fig" id="fig-rd" aria-labelledby="fig-rd-cap">
      <div class="rd-chart"></div>
      <figcaption id="fig-rd-cap">Figure 7. Rate–distortion: how much worse the reconstruction gets (BCE above the
        unquantised code's, nats/image, mean over ${num(vae.info?.rd_test_images)} test images; log scale) when each
        latent dimension is quantised to k bits (k·d bits per image). The dot marks the bits needed, the first rate
        within the tolerance; the dashed line the VAE's KL.</figcaption>
    </figure>
`;
}

/** Draw the rate–distortion chart into `el` (or say how to measure it when the bundle lacks the curve). */
export function drawRateDistortion(el, ctx) {
  const curves = ["ae", "vae"].map((s) => ({ slot: s, meta: ctx.models[s].meta, rd: ctx.models[s].meta.rate_distortion }));
  if (!curves.some((c) => c.rd)) {
    el.innerHTML = `<p class="missing">Not in this bundle: the curve is stored by the analysis. Run
      ${command("aevae analyze RUN_DIR")} and open the article on the run
      (${command("aevae article --ae RUN_AE --vae RUN_VAE")}); the shipped models gain it when they are
      regenerated (${command("python -m aevae.explorer.bundle.make_defaults --from RUNS")}).</p>`;
    return;
  }
  const W = 520;
  const H = 280;
  const m = { l: 60, r: 12, t: 28, b: 40 };
  const all = curves.filter((c) => c.rd);
  const FLOOR = 0.05; // nats/image: the log axis's floor, for rates that reach the unquantised BCE
  // Distortion as the BCE above the unquantised code's (rd_reference_bce_nats_per_image), on a log axis: the curve
  // falls by orders of magnitude, and "bits needed" is where it crosses the tolerance line.
  const excess = (c) => c.rd.bce_nats_per_image.map((v) => Math.max(FLOOR, v - (c.meta.info?.rd_reference_bce_nats_per_image ?? 0)));
  const xs = all.flatMap((c) => c.rd.bits_per_image);
  const kl = ctx.models.vae.meta.metrics?.kl_bits_per_image;
  const tolerance = ctx.models.vae.meta.info?.bits_used_tolerance_nats ?? 1;
  const x1 = Math.max(...xs, kl || 0);
  const ly0 = Math.log10(FLOOR);
  const ly1 = Math.log10(Math.max(...all.flatMap(excess), 10 * tolerance));
  const X = (v) => m.l + (v / x1) * (W - m.l - m.r);
  const Y = (v) => m.t + ((ly1 - Math.log10(v)) / (ly1 - ly0)) * (H - m.t - m.b);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "rd-svg", role: "img",
    "aria-label": "rate–distortion curves of both models: the BCE above the unquantised code falls as the bits per image grow" });
  const axes = svg("g", { class: "axes" }, root);
  svg("path", { d: `M${m.l} ${m.t} V${H - m.b} H${W - m.r}`, stroke: "#555", fill: "none" }, axes);
  for (let k = 0; k <= 4; k++) {
    const xv = (x1 * k) / 4;
    svg("text", { x: X(xv), y: H - m.b + 16, "text-anchor": "middle" }, axes).textContent = num(xv);
  }
  for (let e = Math.ceil(ly0); e <= Math.floor(ly1); e++) {
    svg("text", { x: m.l - 6, y: Y(10 ** e) + 4, "text-anchor": "end" }, axes).textContent = num(10 ** e, Math.max(0, -e));
  }
  svg("text", { x: (W + m.l) / 2, y: H - 6, "text-anchor": "middle" }, axes).textContent = "bits per image of the quantised code";
  svg("text", { x: 12, y: (H + m.t - m.b) / 2, transform: `rotate(-90 12 ${(H + m.t - m.b) / 2})`, "text-anchor": "middle" },
    axes).textContent = "BCE above unquantised, nats/image";
  svg("path", { d: `M${m.l} ${Y(tolerance)} H${W - m.r}`, class: "tolerance-line" }, root);
  svg("text", { x: W - m.r, y: Y(tolerance) - 4, "text-anchor": "end", class: "small" }, root).textContent =
    `tolerance ${num(tolerance)} nat/image`;
  if (kl) {
    svg("path", { d: `M${X(kl)} ${m.t} V${H - m.b}`, class: "kl-line", "data-part": "kl" }, root);
    svg("text", { x: X(kl) + 4, y: m.t + 10, class: "small v-kl" }, root).textContent = `VAE's KL ${num(kl, 1)} bits`;
  }
  all.forEach((c, n) => {
    const b = c.rd.bits_per_image;
    const y = excess(c);
    const cls = `rd-line rd-${c.slot}`;
    svg("path", { d: b.map((v, i) => `${i ? "L" : "M"}${X(v)} ${Y(y[i])}`).join(""), class: cls }, root);
    const i = b.indexOf(c.meta.info?.bits_used_per_image);
    if (i >= 0) svg("circle", { cx: X(b[i]), cy: Y(y[i]), r: 4.5, class: `${cls} used` }, root);
    const lx = W - m.r - 215;
    const ly = m.t + 30 + 18 * n;
    svg("path", { d: `M${lx} ${ly - 4} h18`, class: cls }, root);
    svg("text", { x: lx + 24, y: ly, class: `${cls} legend` }, root).textContent =
      `${c.meta.kind.toUpperCase()} (d = ${c.meta.latent_dim}): ${num(c.meta.info?.bits_used_per_image)} bits needed`;
  });
  el.replaceChildren(root);
}
