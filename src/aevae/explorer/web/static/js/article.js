// The article's entry point: mountArticle(el, bundle) writes the explorable explanation of the bundle's AE and VAE
// inside `el` — a live reproduction of Spinner et al. (2018): a question first, then the holes shown, the mechanism,
// the consequences and the takeaways, each figure beside the text that explains it, every number, shape and picture
// computed from the loaded models and their analysis. The served page (/article) and the static export (#article)
// both call it.
//
//   import { loadBundle, mountArticle } from "./article.js";
//   mountArticle(document.getElementById("app"), loadBundle(await (await fetch("api/bundle")).arrayBuffer()));

import { createAutoencoderFigure } from "./article/fig-autoencoder.js";
import { createHolesFigure } from "./article/fig-holes.js";
import { createKnobFigure } from "./article/fig-knob.js";
import { createLearnFigure } from "./article/fig-learn.js";
import { createParallelFigure } from "./article/fig-parallel.js";
import { createPcaFigure } from "./article/fig-pca.js";
import { createReparamFigure } from "./article/fig-reparam.js";
import { createVaeFigure } from "./article/fig-vae.js";
import { claimsSection, extensionsSection } from "./article/claims.js";
import { createContext } from "./article/context.js";
import { esc, num } from "./article/format.js";
import { opening, takeawaysSection } from "./article/framing.js";
import { linkDefinitions } from "./article/glossary.js";
import { generationSentence } from "./article/judgements.js";
import { drawRateDistortion, informationSection, rateDistortionFigure } from "./article/information.js";
import { equation, inline, mi, mo } from "./article/math.js";
import { referencesSection } from "./article/references.js";
import {
  autoencoderProse, compressionProse, holesProse, interactiveProse, nowSee, reparamProse, reproduce, spacesProse,
  vaeProse,
} from "./article/sections.js";
import { linkTerms, term } from "./article/terms.js";
import { createTour } from "./article/tour.js";
import { mount } from "./explorer.js";

export { loadBundle } from "./bundle.js";

const SECTIONS = [
  ["autoencoders", "1. Autoencoders"],
  ["holes", "2. Holes between the codes"],
  ["vae", "3. Variational autoencoders"],
  ["reparameterisation", "4. The reparameterisation trick"],
  ["latent-maps", "5. Two latent spaces"],
  ["compression", "6. Compressing versus generating"],
  ["interactive", "7. Reading the interactive figure"],
  ["information", "8. How many bits?"],
  ["claims", "9. The paper's claims, measured"],
  ["extensions", "10. Extensions"],
  ["takeaways", "11. Takeaways"],
  ["references", "12. References"],
];

const describe = (m) => `${esc(m.kind.toUpperCase())} (d = ${m.latent_dim}, ${esc(m.data)}, ${m.image_size}×${m.image_size})`;

function section(id, title, prose, figure = "") {
  return `<section class="sec${figure ? " with-figure" : ""}" id="${id}" aria-labelledby="${id}-h">
    <h2 id="${id}-h">${title}</h2>
    <div class="pair"><div class="prose">${prose}</div>${figure}</div></section>`;
}

function figure(id, caption) {
  return `<figure class="fig" id="${id}" aria-labelledby="${id}-cap"><div class="fig-body"></div>
    <figcaption id="${id}-cap">${caption}</figcaption></figure>`;
}

/**
 * Build the article inside `el`.
 * @param {HTMLElement} el
 * @param {ReturnType<import("./bundle.js").loadBundle>} bundle
 * @param {{explorerHref?: string}} options explorerHref: where "Open the explorer" leads (default "./")
 * @returns {{ctx: object, figures: object, explorer: object|null, destroy: () => void}} `explorer` (what mount()
 *   returns) is set once the whole article is built, one frame after the opening sections: `el.dataset.ready`
 */
export function mountArticle(el, bundle, options = {}) {
  const { explorerHref = "./" } = options;
  const start = performance.now();
  const ctx = createContext(bundle);
  const ae = ctx.models.ae.meta;
  const vae = ctx.models.vae.meta;
  const variational = ctx.models.vae.net.variational;

  const python = Object.values(ctx.models).some((m) => m.net.remote); // some model only Python runs (remote.js)
  const s1 = section("autoencoders", SECTIONS[0][1], autoencoderProse(ctx),
    figure("fig-ae", `Figure 1. The loaded ${describe(ae)}, every block one layer's output with its shape.`));
  const s2 = section("holes", SECTIONS[1][1], holesProse(ctx),
    figure("fig-holes", `Figure 2. Both loaded models decode the same points: along the line from A's code to B's,
      draws from N(0, I), and a grid over two dimensions. ${python ? "Python decodes your model's images, behind "
        + "the page." : "Every image is decoded in your browser."}`));
  const s3 = section("vae", SECTIONS[2][1], vaeProse(ctx),
    variational ? figure("fig-vae", `Figure 3. The loaded ${describe(vae)}: its graph, and live values for one input.`) : "");
  const s4 = section("reparameterisation", SECTIONS[3][1], variational ? `
    <p>Training needs the gradient of the loss with respect to μ and σ. But if z is simply <em>drawn</em> from
      N(μ, σ²), the draw is a random node: backpropagation has no derivative to pass through it (Figure 4,
      left).</p>
    <p>The trick (Kingma &amp; Welling 2014; Rezende et al. 2014) moves the randomness out of the way. Draw
      ${term("eps", "ε")} ~ N(0, I) as an input, then compute
      ${inline([mi("z"), mo("="), mi("mu"), mo("+"), mi("sigma"), mo("·"), mi("eps")], "z equals mu plus sigma times epsilon")}.
      Now z is an ordinary function of ${term("mu", "μ")} and ${term("sigma", "σ")}, with derivatives</p>
    ${equation([`<mfrac><mrow><mo>∂</mo>${mi("z")}</mrow><mrow><mo>∂</mo>${mi("mu")}</mrow></mfrac>`, mo("="), "<mn>1</mn>",
      mo(",&#8195;"), `<mfrac><mrow><mo>∂</mo>${mi("z")}</mrow><mrow><mo>∂</mo>${mi("sigma")}</mrow></mfrac>`, mo("="), mi("eps")],
      "dz by d mu equals 1, dz by d sigma equals epsilon")}
    <p>and the gradient reaches both heads and the encoder behind them, never ε (Figure 4, right). The table
      shows the derivatives for the ε drawn now; Figure 3's Sample and the button here share it.</p>
    ${reparamProse(ctx)}
    <p><strong>A correction.</strong> The paper writes z = μ + σ²·ε. But σ² is the <em>variance</em>; multiplying a
      standard normal ε by a number c gives a spread (standard deviation) of c. To get the spread σ, multiply by
      σ: μ + σ·ε has variance σ². With σ²·ε the variance would be σ⁴, right only where σ = 1.</p>
    ${nowSee("with ε moved outside, z = μ + σ·ε is differentiable in μ and σ (and in log σ², through ½·σ·ε); one ε per image gives an unbiased gradient, so the VAE trains with ordinary backpropagation.")}`
    : `<p class="missing">Needs a variational model in the VAE slot.</p>`,
  variational ? figure("fig-reparam", "Figure 4. The reparameterisation trick: the same sampling, before and after.") : "");
  const s5 = section("latent-maps", SECTIONS[4][1], spacesProse(ctx),
    figure("fig-pca", `Figure 5. Training codes of both models on their first two principal components (the VAE's
      are its means μ); the cross marks z = 0, the ring the codes' centroid.`));
  const s6 = section("compression", SECTIONS[5][1], compressionProse(ctx));
  const s7 = `<section class="sec" id="interactive" aria-labelledby="interactive-h">
    <h2 id="interactive-h">${SECTIONS[6][1]}</h2>
    <div class="pair pc-pair"><div class="prose">${interactiveProse(ctx)}</div>
      ${figure("fig-parallel", `Figure 6. Parallel coordinates on one input: the VAE's ${vae.latent_dim} values of μ
        as one line across ${vae.latent_dim} axes, each over the violin of its training values. The input is the one
        Figures 1 and 3 show.`)}</div>
    <div class="embedded-explorer" role="region" aria-label="The interactive explorer"></div>
    <div class="prose">${nowSee("one line per code across one axis per dimension, over violins that show where training codes lie; by dragging, where each model's decoder still gives digits and where it stops.")}</div></section>`;
  const s8 = section("information", SECTIONS[7][1], `${informationSection(ctx)}
    ${nowSee(`a code of d float numbers could hold far more than the models use: the decoders need
      ${[ae, vae].map((m) => m.info?.bits_used_per_image).every((b) => b !== undefined)
        ? `${num(ae.info.bits_used_per_image)} (AE) and ${num(vae.info.bits_used_per_image)} (VAE) of ${num(32 * vae.latent_dim)} bits per image`
        : "only part of them (measured by aevae analyze)"}, and the VAE's KL bounds what its noisy code carries.`)}
    ${reproduce(["aevae analyze RUNS/ae RUNS/vae"])}`, rateDistortionFigure(ctx));
  const s9 = section("claims", SECTIONS[8][1], `
    <p>The plain AE has two drawbacks the VAE addresses. Its code space has holes: a point between or beyond the
      training codes may decode to nothing recognisable (section 2). And its codes sit wherever training left
      them, so no simple distribution describes where to sample. ${generationSentence(ae.prior, vae.prior)} The
      paper makes three claims about this; here each is checked against the loaded models, with our criterion
      beside the verdict.</p>
    ${claimsSection(ctx)}
    ${nowSee("which of the paper's claims hold for the loaded models, by criteria stated beside each verdict.")}
    ${reproduce(["aevae report RUNS/ae RUNS/vae --out report"])}`);
  const s10 = section("extensions", SECTIONS[9][1], `${extensionsSection(ctx)}
    ${nowSee("the VAE is one point on a dial: β and other distances to the prior trade reconstruction for a tidier space, and a tidy space is one where similar images get nearby codes that clustering can find.")}`);
  const s11 = section("takeaways", SECTIONS[10][1], takeawaysSection(ctx));
  const s12 = section("references", SECTIONS[11][1], referencesSection());

  el.classList.add("aevae-article");
  el.innerHTML = `
    <header class="masthead">
      <p class="kicker">aevae · the paper, live</p>
      <h1>Autoencoders and variational autoencoders, explained on the models in front of you</h1>
      ${opening(ctx)}
      <p class="models">Every figure and number on this page is computed from the loaded models:
        ${ae.both_slots ? `your ${describe(vae)}, in both the AE's place and the VAE's: where the article compares
        the two, it compares your model with itself.` : `the ${describe(ae)} and the ${describe(vae)}.`}</p>
      <nav aria-label="Sections"><ul class="toc">${SECTIONS.map(([id, t]) => `<li><a href="#${id}">${t}</a></li>`).join("")}</ul>
        <p><a class="to-explorer" href="${esc(explorerHref)}">Open the explorer on its own →</a></p></nav>
    </header>
    <main class="article-body">${[s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12].join("")}</main>
    <footer class="article-foot"><p>Made by aevae from the bundle it serves; no number on this page is typed in.</p></footer>`;

  const body = (id) => el.querySelector(`#${id} .fig-body`);
  const figures = {};
  if (ctx.models.ae.meta.layers) figures.ae = createAutoencoderFigure(body("fig-ae"), ctx);
  else { // Figure 1 runs every layer in the page: a model only Python runs has no layers here to show
    body("fig-ae").innerHTML = `<p class="missing">Not drawn: this figure runs each layer of the network in your
      browser, and your ${esc(ae.kind.toUpperCase())} is decoded by Python (${esc(ae.python_only ?? "no layer table")}).</p>`;
  }
  figures.holes = createHolesFigure(body("fig-holes"), ctx);
  if (variational) {
    figures.vae = createVaeFigure(body("fig-vae"), ctx);
    createReparamFigure(body("fig-reparam"), ctx);
  }
  const chain = el.querySelector(".shape-chain");
  if (chain) chain.textContent = [...el.querySelectorAll("#fig-ae .block-shape")].map((n) => n.textContent).join(" → ");
  linkTerms(el);
  linkDefinitions(el);
  const knob = el.querySelector("#kl-knob"); // the β family's figure, in the objective's slot (empty without one)
  if (knob) {
    figures.knob = createKnobFigure(knob, ctx);
    if (figures.knob) figures.learn = createLearnFigure(knob, ctx); // where the family has snapshots
  }

  // The sections a reader sees first are drawn; the rest (Figure 5's 2 × N points, Figure 6, the embedded explorer) waits
  // for the next frame, so the page paints its opening before that work.
  const handle = { ctx, figures, explorer: null, destroy: () => {} };
  requestAnimationFrame(() => {
    el.dataset.firstPaint = (performance.timeOrigin + performance.now()).toFixed(1);
    setTimeout(() => {
      createPcaFigure(body("fig-pca"), ctx);
      createParallelFigure(body("fig-parallel"), ctx);
      drawRateDistortion(el.querySelector(".rd-chart"), ctx);
      const host = el.querySelector(".embedded-explorer");
      handle.explorer = mount(host, bundle);
      createTour(host, el.querySelector(".tour-start"), handle.explorer);
      el.dataset.readyMs = (performance.now() - start).toFixed(1);
      el.dataset.ready = "true";
    }, 0);
  });
  handle.destroy = () => {
    handle.explorer?.destroy();
    el.replaceChildren();
    el.classList.remove("aevae-article");
  };
  return handle;
}
