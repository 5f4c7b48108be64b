// The article's entry point: mountArticle(el, bundle) writes the explorable explanation of the bundle's AE and VAE
// inside `el` — the paper's argument in nine sections, each figure beside the text that explains it, every number,
// shape and picture computed from the loaded models and their analysis. The served page (/article) and the static
// export (#article) both call it.
//
//   import { loadBundle, mountArticle } from "./article.js";
//   mountArticle(document.getElementById("app"), loadBundle(await (await fetch("api/bundle")).arrayBuffer()));

import { createAutoencoderFigure } from "./article/fig-autoencoder.js";
import { createPcaFigure } from "./article/fig-pca.js";
import { createReparamFigure } from "./article/fig-reparam.js";
import { createVaeFigure } from "./article/fig-vae.js";
import { claimsSection, extensionsSection } from "./article/claims.js";
import { createContext } from "./article/context.js";
import { command, esc, num, value } from "./article/format.js";
import { drawRateDistortion, informationSection, rateDistortionFigure } from "./article/information.js";
import { equation, inline, mi, mn, mo, plain } from "./article/math.js";
import { referencesSection } from "./article/references.js";
import { linkTerms, term } from "./article/terms.js";
import { createTour } from "./article/tour.js";
import { mount } from "./explorer.js";

export { loadBundle } from "./bundle.js";

const SECTIONS = [
  ["autoencoders", "1. Autoencoders"],
  ["vae", "2. Variational autoencoders"],
  ["reparameterisation", "3. The reparameterisation trick"],
  ["latent-maps", "4. Two latent spaces"],
  ["interactive", "5. The interactive figure"],
  ["information", "6. Information theory"],
  ["claims", "7. Drawbacks, and the paper's claims measured"],
  ["extensions", "8. Extensions"],
  ["references", "9. References"],
];

const describe = (m) => `${esc(m.kind.toUpperCase())} (d = ${m.latent_dim}, ${esc(m.data)}, ${m.image_size}×${m.image_size})`;

/** What the encoder's convolutions do to the image side, in words, from the layer table. */
function convStrides(table) {
  const strides = [...new Set(table.encoder.filter((s) => s.op === "conv2d").map((s) => s.stride[0]))];
  return strides.length === 1 && strides[0] === 2 ? "halves the side of the image"
    : `divides the side of the image by its stride (${strides.join(", ")})`;
}

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
  const d = vae.latent_dim;
  const variational = ctx.models.vae.net.variational;
  const bce = (m) => num(m.metrics?.bce_nats_per_image, 1);
  const klBits = vae.metrics?.kl_bits_per_image;

  const s1 = section("autoencoders", SECTIONS[0][1], `
    <p>An autoencoder learns to copy an image through a narrow passage. The <em>encoder</em> turns the
      ${term("x", "input x")} into a ${term("z", "code z")} of only d numbers; the <em>decoder</em> turns the code
      back into an ${term("xhat", "image x̂")}. Nobody tells the network what the d numbers should mean: training
      only asks that x̂ look like x, so the code must keep whatever the decoder needs.</p>
    <p>Figure 1 is the loaded AE, layer by layer: <span class="shape-chain"></span>. Each convolution
      ${convStrides(ae.layers)} and adds channels; a fully connected layer then folds everything into the
      <span class="term v-z" data-term="z" tabindex="0">bottleneck</span> of ${ae.latent_dim} numbers. The decoder
      mirrors it with transposed convolutions.</p>
    <p>Pick an input and watch its activations fill the blocks, computed in your browser. Then move a value of the
      bottleneck: only the decoder half runs again, and the output changes with it.</p>
    <p>The loss is the binary cross-entropy between the pixels of x and x̂, summed over the pixels:</p>
    ${equation([plain("L"), mo("="), mo("−"), `<munder><mo>∑</mo><mi>i</mi></munder>`, mo("["), mi("x", "i"),
      plain("log"), mo("&#x2061;"), mi("xhat", "i"), mo("+"), mo("("), mn(1), mo("−"), mi("x", "i"), mo(")"), plain("log"), mo("&#x2061;"), mo("("),
      mn(1), mo("−"), mi("xhat", "i"), mo(")"), mo("]")], "L equals minus the sum over pixels i of x_i log x-hat_i plus (1 minus x_i) log (1 minus x-hat_i)")}
    <p>On the test set the loaded AE reaches ${value("ae.bce", ae.metrics?.bce_nats_per_image, bce(ae))} nats per
      image (mean over images).</p>`,
  figure("fig-ae", `Figure 1. The loaded ${describe(ae)}, every block one layer's output with its shape.`));

  const s2 = section("vae", SECTIONS[1][1], variational ? `
    <p>An AE's code is a single point, and nothing in its training says what a point <em>between</em> two codes
      should decode to. A variational autoencoder asks the encoder for a small cloud instead: for every dimension a
      ${term("mu", "mean μ")} and a ${term("sigma", "standard deviation σ")}, the distribution
      ${inline([plain("q"), mo("("), mi("z"), mo("|"), mi("x"), mo(")"), mo("="), plain("N"), mo("("), mi("mu"), mo(","), `<msup>${mi("sigma")}<mn>2</mn></msup>`, mo(")")], "q of z given x equals N of mu, sigma squared")}.
      The decoder sees a ${term("z", "sample z")} of that cloud, so nearby codes must decode alike.</p>
    <p>A second term keeps the clouds honest: the ${term("kl", "KL divergence")} from q(z|x) to the prior
      N(0, I) pulls every mean towards the origin and every σ towards 1. Per dimension it has a closed form
      (Kingma &amp; Welling 2014, appendix B):</p>
    ${equation([plain("KL"), mo("="), `<mfrac><mn>1</mn><mn>2</mn></mfrac>`, mo("("), `<msup>${mi("mu")}<mn>2</mn></msup>`,
      mo("+"), `<msup>${mi("sigma")}<mn>2</mn></msup>`, mo("−"), mn(1), mo("−"), plain("ln"), mo("&#x2061;"), `<msup>${mi("sigma")}<mn>2</mn></msup>`, mo(")")],
      "KL equals one half of mu squared plus sigma squared minus 1 minus ln sigma squared")}
    <p>Press <em>Sample ε</em> in Figure 2: it draws ${term("eps", "ε")} from N(0, I), forms
      ${inline([mi("z"), mo("="), mi("mu"), mo("+"), mi("sigma"), mo("·"), mi("eps")], "z equals mu plus sigma times epsilon")}
      and decodes it. The strip below it shows eight such samples of one input: where σ is large the digit
      wanders, where it is small the samples agree. The table gives this input's KL per dimension in nats and in
      bits (nats / ln 2); over the test set the VAE's KL averages
      ${value("vae.kl_bits", klBits, num(klBits, 1))} bits per image.</p>` :
    `<p class="missing">The model in the VAE slot (${describe(vae)}) is not variational: it has no μ, σ or KL to
      draw. Open the article on a VAE: ${command("aevae article --vae RUN_DIR")}.</p>`,
  variational ? figure("fig-vae", `Figure 2. The loaded ${describe(vae)}: its graph, and live values for one input.`) : "");

  const s3 = section("reparameterisation", SECTIONS[2][1], variational ? `
    <p>Training needs the gradient of the loss with respect to μ and σ. But if z is simply <em>drawn</em> from
      N(μ, σ²), the draw is a random node: backpropagation has no derivative to pass through it (Figure 3,
      left).</p>
    <p>The trick (Kingma &amp; Welling 2014; Rezende et al. 2014) moves the randomness out of the way. Draw
      ${term("eps", "ε")} ~ N(0, I) as an input, then compute
      ${inline([mi("z"), mo("="), mi("mu"), mo("+"), mi("sigma"), mo("·"), mi("eps")], "z equals mu plus sigma times epsilon")}.
      Now z is an ordinary function of ${term("mu", "μ")} and ${term("sigma", "σ")}, with derivatives</p>
    ${equation([`<mfrac><mrow><mo>∂</mo>${mi("z")}</mrow><mrow><mo>∂</mo>${mi("mu")}</mrow></mfrac>`, mo("="), mn(1),
      mo(",&#8195;"), `<mfrac><mrow><mo>∂</mo>${mi("z")}</mrow><mrow><mo>∂</mo>${mi("sigma")}</mrow></mfrac>`, mo("="), mi("eps")],
      "dz by d mu equals 1, dz by d sigma equals epsilon")}
    <p>and the gradient reaches both heads and the encoder behind them, never ε (Figure 3, right). The table
      shows the two derivatives for the ε drawn now; Figure 2's Sample and the button here share it.</p>
    <p><strong>A correction.</strong> The paper writes z = μ + σ²·ε. But σ² is the <em>variance</em>; multiplying a
      standard normal ε by a number c gives a spread (standard deviation) of c. To get the spread σ, multiply by
      σ: μ + σ·ε has variance σ². With σ²·ε the variance would be σ⁴, right only where σ = 1. The encoder of
      aevae outputs log σ², and σ = exp(½ log σ²).</p>` : `<p class="missing">Needs a variational model in the VAE slot.</p>`,
  variational ? figure("fig-reparam", "Figure 3. The reparameterisation trick: the same sampling, before and after.") : "");

  const s4 = section("latent-maps", SECTIONS[3][1], `
    <p>What does the KL term do to the code space as a whole? Figure 4 projects every training image's code onto
      its first two principal components, one dot per image coloured by its label, both models on one scale.</p>
    <p>The AE, free to place codes anywhere, spreads them widely: its codes lie on average
      ${value("ae.norm", ae.organisation?.mean_latent_norm, num(ae.organisation?.mean_latent_norm, 2))} latent units
      from the origin. The VAE's prior holds them near N(0, I):
      ${value("vae.norm", vae.organisation?.mean_latent_norm, num(vae.organisation?.mean_latent_norm, 2))}.
      The silhouette (−1 … 1) says how well the labels separate: near 0, the digits overlap in both.</p>
    <p>Switch to "fit each map" to compare shapes instead of sizes.</p>`,
  figure("fig-pca", "Figure 4. Training latents of both models on their first two principal components."));

  const s5 = `<section class="sec" id="interactive" aria-labelledby="interactive-h">
    <h2 id="interactive-h">${SECTIONS[4][1]}</h2>
    <div class="prose wide">
      <p>Here is the explorer, live, on the same models. How to use it:</p>
      <ol class="howto">
        <li>Pick inputs in the gallery: test images, or the probes that are not digits at all. Each gets a coloured
          line across the axes — its code, one axis per latent dimension, over the grey violin of that dimension's
          training values. For the VAE the band around the line is μ ± σ.</li>
        <li>Drag a point of the black line up or down (or focus it and use the arrow keys): the output is decoded
          from the black line as it moves.</li>
        <li>Double-click an input's line, or press its "snap", to move the black line onto it; both models snap, so
          the outputs side by side compare the AE and the VAE on that input.</li>
        <li>"Show AE" colours the autoencoder and greys the VAE on the same axes; "Random" draws the line from
          N(0, 1); "Sample z ~ q(z|x)" decodes draws z = μ + σ·ε for the current input, as Figure 2 does.</li>
        <li>Under "Selected inputs", each input's reconstruction error and position among the test images say how
          unusual it is; "Information" derives the bit budget of section 6 on these models.</li>
        <li>Hover the PCA maps to decode the point under the pointer, click to move the line there; draw your own
          digit on the pad, or upload one.</li>
      </ol>
      <p><button type="button" class="tour-start">Take the guided tour</button> — it steps through the view and
        points at each part.</p>
    </div>
    <div class="embedded-explorer" role="region" aria-label="The interactive explorer"></div></section>`;

  const s6 = section("information", SECTIONS[5][1], informationSection(ctx), rateDistortionFigure(ctx));
  const s7 = section("claims", SECTIONS[6][1], `
    <p>The plain AE has two drawbacks the VAE addresses. Its code space has holes: a point between or beyond the
      training codes may decode to nothing recognisable, so the AE cannot generate. And its codes sit wherever
      training left them, so no simple distribution describes where to sample. The paper makes three claims about
      this; here each is checked against the loaded models, with our criterion beside the verdict.</p>
    ${claimsSection(ctx)}`);
  const s8 = section("extensions", SECTIONS[7][1], extensionsSection(ctx));
  const s9 = section("references", SECTIONS[8][1], referencesSection());

  el.classList.add("aevae-article");
  el.innerHTML = `
    <header class="masthead">
      <p class="kicker">aevae · the paper, live</p>
      <h1>Autoencoders and variational autoencoders, explained on the models in front of you</h1>
      <p class="models">Every figure and number on this page is computed from the loaded models:
        the ${describe(ae)} and the ${describe(vae)}.</p>
      <nav aria-label="Sections"><ul class="toc">${SECTIONS.map(([id, t]) => `<li><a href="#${id}">${t}</a></li>`).join("")}</ul>
        <p><a class="to-explorer" href="${esc(explorerHref)}">Open the explorer on its own →</a></p></nav>
    </header>
    <main class="article-body">${[s1, s2, s3, s4, s5, s6, s7, s8, s9].join("")}</main>
    <footer class="article-foot"><p>Made by aevae from the bundle it serves; no number on this page is typed in.</p></footer>`;

  const body = (id) => el.querySelector(`#${id} .fig-body`);
  const figures = {};
  figures.ae = createAutoencoderFigure(body("fig-ae"), ctx);
  if (variational) {
    figures.vae = createVaeFigure(body("fig-vae"), ctx);
    createReparamFigure(body("fig-reparam"), ctx);
  }
  el.querySelector(".shape-chain").textContent = [...el.querySelectorAll("#fig-ae .block-shape")]
    .map((n) => n.textContent).join(" → ");
  linkTerms(el);

  // The sections a reader sees first are drawn; the rest (Figure 4's 2 × N points, the embedded explorer) waits
  // for the next frame, so the page paints its opening before that work.
  const handle = { ctx, figures, explorer: null, destroy: () => {} };
  requestAnimationFrame(() => {
    el.dataset.firstPaint = (performance.timeOrigin + performance.now()).toFixed(1);
    setTimeout(() => {
      createPcaFigure(body("fig-pca"), ctx);
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
