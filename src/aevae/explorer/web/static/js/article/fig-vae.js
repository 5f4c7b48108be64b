// Figure 3: the loaded VAE as a computation graph (encoder, the μ and σ heads, the sampling node with its noise ε,
// the decoder, the KL term) beside live values for the chosen input: μ and σ from the encoder run in the browser,
// the drawn ε, z = μ + σ·ε, the decoded image, a strip of samples from q(z|x), and the input's KL per dimension
// in nats and bits (closed form of Kingma & Welling 2014, appendix B).

import { drawImage } from "../images.js";
import { decodeThen } from "../remote.js";
import { inputPicker, drawEps } from "./context.js";
import { num } from "./format.js";

const STRIP = 8; // samples from q(z|x) in the strip
const MAGNIFY = [1, 5, 20]; // factors σ can be shown magnified by: the shipped VAE's σ (≈ 0.05) moves no pixel visibly

/** KL(N(μ, σ²) ‖ N(0, 1)) of one dimension, in nats. */
export function klNats(mu, sigma) {
  return 0.5 * (mu * mu + sigma * sigma - 1 - 2 * Math.log(sigma));
}

/** The graph of a VAE with latent size d: nodes are groups marked with the variable they hold (data-part). */
export function vaeGraph(d, { title = "", id = "" } = {}) {
  return `<svg class="graph" viewBox="0 0 660 230" role="img" aria-labelledby="${id}-t" >
    <title id="${id}-t">${title}</title>
    <defs><marker id="${id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7"
      orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#555"/></marker></defs>
    <g class="edges" stroke="#555" stroke-width="1.5" fill="none" marker-end="url(#${id}-arrow)">
      <path d="M70 115 H108"/><path d="M190 100 L248 62"/><path d="M190 130 L248 168"/>
      <path d="M308 62 L378 104"/><path d="M308 168 L378 126"/><path d="M410 40 V90"/>
      <path d="M442 115 H488"/><path d="M570 115 H600"/>
      <path d="M278 186 V198" stroke-dasharray="3 3" marker-end="none"/>
      <path d="M278 80 V150" stroke-dasharray="3 3" marker-end="none"/>
    </g>
    <g data-part="x" class="node"><rect x="10" y="95" width="60" height="40" rx="6"/>
      <text x="40" y="120" class="v-x">x</text></g>
    <g class="node enc"><path d="M110 80 L190 95 L190 135 L110 150 Z"/><text x="150" y="120">encoder</text></g>
    <g data-part="mu" class="node"><rect x="248" y="44" width="60" height="36" rx="6"/>
      <text x="278" y="67" class="v-mu">μ (${d})</text></g>
    <g data-part="sigma" class="node"><rect x="248" y="150" width="60" height="36" rx="6"/>
      <text x="278" y="173" class="v-sigma">σ (${d})</text></g>
    <g data-part="eps" class="node random"><circle cx="410" cy="24" r="18"/>
      <text x="410" y="29" class="v-eps">ε</text></g>
    <g data-part="z" class="node sample"><circle cx="410" cy="115" r="32"/>
      <text x="410" y="111" class="v-z">z (${d})</text><text x="410" y="127" class="small">μ + σ·ε</text></g>
    <g class="node dec"><path d="M490 95 L570 80 L570 150 L490 135 Z"/><text x="530" y="120">decoder</text></g>
    <g data-part="xhat" class="node"><rect x="600" y="95" width="52" height="40" rx="6"/>
      <text x="626" y="120" class="v-xhat">x̂</text></g>
    <g data-part="kl" class="node kl"><rect x="203" y="198" width="150" height="28" rx="6"/>
      <text x="278" y="217" class="v-kl">KL(q(z|x) ‖ N(0, I))</text></g>
  </svg>`;
}

/** Build Figure 3 inside `el`. Returns {sample()} for the benchmark: one Sample press, its milliseconds. */
export function createVaeFigure(el, ctx) {
  const model = ctx.models.vae;
  const { net } = model;
  const d = model.meta.latent_dim;
  el.innerHTML = `
    <div class="fig-controls"></div>
    ${vaeGraph(d, { id: "fig2g", title: `The VAE's graph: the encoder gives μ and σ (${d} values each), the sampling node draws z = μ + σ·ε, the decoder gives x̂, and the KL term compares q(z|x) with N(0, I)` })}
    <div class="fig2-live">
      <div class="fig2-images">
        <figure class="mini" data-part="x"><canvas class="fig2-input" role="img" aria-label="the input x"></canvas>
          <figcaption class="v-x">input x</figcaption></figure>
        <figure class="mini" data-part="xhat"><canvas class="fig2-output" role="img"
          aria-label="the decoded sample x̂"></canvas><figcaption class="v-xhat">decoded z</figcaption></figure>
        <button type="button" class="sample-button">Sample ε</button>
      </div>
      <table class="values fig2-table"><caption>Per latent dimension, for this input</caption>
        <thead><tr><th scope="col">dim</th><th scope="col" class="v-mu" data-part="mu">μ</th>
          <th scope="col" class="v-sigma" data-part="sigma">σ</th><th scope="col" class="v-eps" data-part="eps">ε</th>
          <th scope="col" class="v-z" data-part="z">z = μ + σ·ε</th>
          <th scope="col" class="v-kl" data-part="kl">KL (nats)</th><th scope="col" class="v-kl" data-part="kl">KL (bits)</th></tr></thead>
        <tbody></tbody><tfoot></tfoot></table>
    </div>
    <div class="strip-wrap"><p class="strip-label">${STRIP} samples from q(z|x) of this input: what σ means.
      <label class="pick" for="fig2-magnify">σ shown <select id="fig2-magnify" class="magnify">${MAGNIFY.map((k) =>
        `<option value="${k}">${k === 1 ? "×1, the model's own" : `×${k}, magnified`}</option>`).join("")}</select></label></p>
      <div class="strip" role="img" aria-label="${STRIP} images decoded from samples of q(z|x)"></div>
      <p class="fig-controls"><button type="button" class="widest">Show the input with the largest σ</button></p>
      <p class="fig-note strip-note"></p></div>`;
  el.querySelector(".fig-controls").appendChild(inputPicker(ctx, "fig2-input"));
  const tbody = el.querySelector("tbody");
  const tfoot = el.querySelector("tfoot");
  const strip = el.querySelector(".strip");
  for (let i = 0; i < STRIP; i++) strip.appendChild(document.createElement("canvas")).className = "strip-canvas";
  let code = net.encode(ctx.image());

  function renderSample() {
    const { mu, sigma } = code;
    const eps = ctx.state.eps;
    const z = Float64Array.from(mu, (m, j) => m + sigma[j] * eps[j]);
    decodeThen(net, "fig2-output", z, (image) => drawImage(el.querySelector(".fig2-output"), image, true));
    let total = 0;
    tbody.innerHTML = Array.from({ length: d }, (_, j) => {
      const kl = klNats(mu[j], sigma[j]);
      total += kl;
      return `<tr><th scope="row">${j + 1}</th><td class="v-mu">${num(mu[j], 3)}</td>
        <td class="v-sigma">${num(sigma[j], 3)}</td><td class="v-eps">${num(eps[j], 3)}</td>
        <td class="v-z" data-z="${z[j]}">${num(z[j], 3)}</td><td>${num(kl, 3)}</td><td>${num(kl / Math.LN2, 3)}</td></tr>`;
    }).join("");
    tfoot.innerHTML = `<tr><th scope="row" colspan="5">this input's KL, summed over the ${d} dimensions</th>
      <td>${num(total, 2)}</td><td>${num(total / Math.LN2, 2)}</td></tr>`;
    el.dataset.z = Array.from(z).join(",");
  }

  function renderInput() {
    code = net.encode(ctx.image());
    drawImage(el.querySelector(".fig2-input"), ctx.image(), true);
    drawStrip();
    renderSample();
  }

  const stds = model.meta.organisation?.per_dim_std;
  const spread = stds?.length ? stds.reduce((a, b) => a + b, 0) / stds.length : null;

  function drawStrip() {
    const k = Number(el.querySelector(".magnify").value);
    [...strip.children].forEach((canvas, i) => {
      const eps = drawEps(d);
      decodeThen(net, `fig2-strip-${i}`, Float64Array.from(code.mu, (m, j) => m + k * code.sigma[j] * eps[j]),
        (image) => drawImage(canvas, image, true));
    });
    const lo = Math.min(...code.sigma);
    const hi = Math.max(...code.sigma);
    el.querySelector(".strip-note").textContent = `This input's σ runs from ${num(lo, 3)} to ${num(hi, 3)} latent
      units${k === 1 ? "" : `; drawn here with σ ×${k}, ${num(k * lo, 2)} to ${num(k * hi, 2)}, to show which way each
      dimension moves the digit — the model's own samples are those at ×1`}.${spread ? ` Compare with the spread of
      the codes of all training images: ${num(spread, 2)} latent units per dimension on average (Figure 5).` : ""}`;
    strip.dataset.magnify = String(k);
  }

  const sample = () => {
    const start = performance.now();
    ctx.resample();
    return performance.now() - start;
  };
  el.querySelector(".sample-button").addEventListener("click", sample);
  el.querySelector(".magnify").addEventListener("change", drawStrip);
  el.querySelector(".widest").addEventListener("click", () => { // the model's own σ, at its largest on this page
    const mean = (s) => s.reduce((a, b) => a + b, 0) / s.length;
    const widths = ctx.gallery.map((item) => mean(Array.from(net.encode(item.image).sigma)));
    ctx.setInput(widths.indexOf(Math.max(...widths)));
  });
  ctx.state.on("eps", renderSample);
  ctx.state.on("input", renderInput);
  renderInput();
  return { sample };
}
