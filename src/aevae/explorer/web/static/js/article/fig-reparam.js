// Figure 4: the reparameterisation trick, before and after. Before: z is drawn from N(μ, σ²) inside the graph, a
// random node that no gradient passes. After: the randomness is an input ε ~ N(0, I) beside the graph and
// z = μ + σ·ε is an ordinary differentiable node, so the loss's gradient reaches μ and σ (and the encoder
// behind them), never ε. The live table gives, for the ε drawn now (shared with Figure 3's Sample),
// ∂z/∂μ = 1, ∂z/∂σ = ε and, for the head the encoder really has, ∂z/∂(log σ²) = ½·σ·ε per dimension.

import { num } from "./format.js";

function graph(after, id) {
  const title = after
    ? "After: ε is an input from outside; z = μ + σ·ε is deterministic, and the gradient flows from the loss through z back to μ and σ."
    : "Before: z is sampled from N(μ, σ²) inside the graph; the random node stops the gradient, which never reaches μ or σ.";
  const reach = after ? "reached" : "blocked";
  return `<svg class="graph reparam ${after ? "after" : "before"}" viewBox="0 0 300 210" role="img"
      aria-labelledby="${id}-t"><title id="${id}-t">${title}</title>
    <defs><marker id="${id}-a" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7"
      orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#555"/></marker>
      <marker id="${id}-g" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7"
      orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#0b6e4f"/></marker></defs>
    <g stroke="#555" stroke-width="1.5" fill="none" marker-end="url(#${id}-a)">
      <path d="M70 50 L128 92"/><path d="M70 160 L128 118"/><path d="M190 105 H228"/>
      ${after ? '<path d="M160 22 V72"/>' : ""}
    </g>
    <g class="gradient reached" fill="none" stroke-width="2" stroke-dasharray="5 4" marker-end="url(#${id}-g)">
      <path d="M228 125 H196"/>
      ${after ? '<path d="M128 128 L76 166"/><path d="M128 84 L76 44"/>' : ""}
    </g>
    ${after ? "" : `<text x="100" y="80" class="blocked-mark">✕</text><text x="100" y="142" class="blocked-mark">✕</text>
      <text x="160" y="200" class="small blocked-mark">the gradient stops at the random node</text>`}
    <g data-part="mu" class="node grad-${reach}"><rect x="12" y="30" width="58" height="34" rx="6"/>
      <text x="41" y="52" class="v-mu">μ</text></g>
    <g data-part="sigma" class="node grad-${reach}"><rect x="12" y="144" width="58" height="34" rx="6"/>
      <text x="41" y="166" class="v-sigma">σ</text></g>
    ${after ? `<g data-part="eps" class="node random"><circle cx="160" cy="16" r="14"/>
      <text x="160" y="21" class="v-eps">ε</text></g>` : ""}
    <g data-part="z" class="node ${after ? "sample" : "random"}"><circle cx="160" cy="105" r="32"/>
      <text x="160" y="101" class="v-z">z</text>
      <text x="160" y="118" class="small">${after ? "μ + σ·ε" : "~ N(μ, σ²)"}</text></g>
    <g class="node"><rect x="228" y="88" width="62" height="34" rx="6"/><text x="259" y="110">loss</text></g>
  </svg>`;
}

/** Build Figure 4 inside `el`: both graphs and the live derivatives for the current ε. */
export function createReparamFigure(el, ctx) {
  const d = ctx.models.vae.meta.latent_dim;
  el.innerHTML = `
    <div class="reparam-pair">
      <figure class="half"><figcaption>Before: sampling inside the graph</figcaption>${graph(false, "fig3b")}</figure>
      <figure class="half"><figcaption>After: noise as an input</figcaption>${graph(true, "fig3a")}</figure>
    </div>
    <div class="fig-controls"><button type="button" class="resample-button">Draw a new ε</button>
      <span class="fig-note">(the same ε as Figure 3)</span></div>
    <table class="values fig3-table"><caption>Derivatives of z = μ + σ·ε for the ε drawn now and the input of Figure 3</caption>
      <thead><tr><th scope="col">dim</th><th scope="col" class="v-eps" data-part="eps">ε</th>
        <th scope="col">∂<span class="v-z">z</span>/∂<span class="v-mu">μ</span></th>
        <th scope="col">∂<span class="v-z">z</span>/∂<span class="v-sigma">σ</span> = <span class="v-eps">ε</span></th>
        <th scope="col" class="v-sigma" data-part="sigma">σ</th>
        <th scope="col">∂<span class="v-z">z</span>/∂(log <span class="v-sigma">σ</span>²) = ½·<span class="v-sigma">σ</span>·<span class="v-eps">ε</span></th></tr></thead>
      <tbody></tbody></table>`;
  const tbody = el.querySelector("tbody");
  let sigma = ctx.models.vae.net.encode(ctx.image()).sigma;
  function render() {
    const eps = ctx.state.eps;
    tbody.innerHTML = Array.from({ length: d }, (_, j) =>
      `<tr><th scope="row">${j + 1}</th><td class="v-eps">${num(eps[j], 3)}</td><td class="dz-dmu">1</td>
        <td class="dz-dsigma" data-value="${eps[j]}">${num(eps[j], 3)}</td><td class="v-sigma">${num(sigma[j], 3)}</td>
        <td class="dz-dlogvar" data-value="${0.5 * sigma[j] * eps[j]}">${num(0.5 * sigma[j] * eps[j], 4)}</td></tr>`).join("");
  }
  el.querySelector(".resample-button").addEventListener("click", () => ctx.resample());
  ctx.state.on("eps", render);
  ctx.state.on("input", () => {
    sigma = ctx.models.vae.net.encode(ctx.image()).sigma;
    render();
  });
  render();
}
