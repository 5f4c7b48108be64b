// The prose of the article's sections 1–7, each a function of the shared context returning the section's text as
// HTML. Every number is read from the loaded models; every sentence that compares them is built from the numbers
// it compares (judgements.js). Each section ends with what the reader should now be able to see.

import { command, esc, num, pct, things, value } from "./format.js";
import { define } from "./glossary.js";
import { denseLayers, generationSentence, separationSentence } from "./judgements.js";
import { equation, inline, mi, mn, mo, plain } from "./math.js";
import { objectiveHtml } from "./objective.js";
import { term } from "./terms.js";
import { expectedNorm, meanImageBaseline } from "./yardsticks.js";

/** A collapsed box of the commands that reproduce a section's numbers. */
export function reproduce(lines) {
  return `<details class="reproduce"><summary>Reproduce this</summary>${lines.map((l) => `<p>${command(l)}</p>`).join("")}</details>`;
}

/** The closing sentence of a section. */
export const nowSee = (text) => `<p class="now-see"><strong>What you should now see:</strong> ${text}</p>`;

/** What the encoder's convolutions do to the image side, in words, from the layer table. */
function convStrides(table) {
  const strides = [...new Set(table.encoder.filter((s) => s.op === "conv2d").map((s) => s.stride[0]))];
  return strides.length === 1 && strides[0] === 2 ? "halves the side of the image"
    : `divides the side of the image by its stride (${strides.join(", ")})`;
}

/** Section 1: the AE, its loss and a yardstick for its number. */
export function autoencoderProse(ctx) {
  const ae = ctx.models.ae.meta;
  const bce = ae.metrics?.bce_nats_per_image;
  const pixels = ae.image_size * ae.image_size * (ae.channels ?? 1);
  const base = meanImageBaseline(ctx.gallery);
  const yardstick = base ? `<p>Is that good? Per pixel it is ${value("ae.bce_pixel", bce / pixels, num(bce / pixels, 3))}
      nats (${num(bce, 1)} / ${num(pixels)} pixels). A network that ignored its input and always drew the average
      ${things(ae, false)} would score ${value("baseline.bce", base.bce, num(base.bce, 1))} nats/image
      (${num(base.bce / base.pixels, 3)} per pixel) — measured here on the ${base.n} test ${things(ae)} this page carries,
      against their own mean image. The AE's ${ae.latent_dim} numbers
      ${bce < base.bce ? `remove ${pct(1 - bce / base.bce, 0)} of that loss` : "do not beat it"}.</p>` : "";
  return `
    <p>An autoencoder learns to copy an image through a narrow passage. The <em>encoder</em> turns the
      ${term("x", "input x")} into a ${term("z", "code z")} of only d numbers, the ${define("latent", "latent code")};
      the <em>decoder</em> turns the code back into an ${term("xhat", "image x̂")}. Nobody tells the network what the
      d numbers should mean: training only asks that x̂ look like x, so the code must keep whatever the decoder
      needs.</p>
    ${ae.layers ? `<p>Figure 1 is the loaded AE, layer by layer: <span class="shape-chain"></span>. Each convolution
      ${convStrides(ae.layers)} and adds channels; <span class="dense-layers">${denseLayers(ae.layers, ae.latent_dim)}</span> then
      fold everything into the <span class="term v-z" data-term="z" tabindex="0">bottleneck</span> of
      ${ae.latent_dim} numbers. The decoder mirrors it with transposed convolutions.</p>
    <p>Pick an input and watch its activations fill the blocks, computed in your browser. Then move a value of the
      bottleneck: only the decoder half runs again, and the output changes with it.</p>`
    : `<p>The loaded model folds each image into a <span class="term v-z" data-term="z" tabindex="0">bottleneck</span>
      of ${ae.latent_dim} numbers. Its layers are not drawn here (Figure 1 says why): Python runs it, behind the
      page.</p>`}
    <p>The loss is the binary cross-entropy (BCE) between the pixels of x and x̂, summed over the pixels, in
      ${define("nats", "nats")}:</p>
    ${equation([plain("L"), mo("="), mo("−"), `<munder><mo>∑</mo><mi>i</mi></munder>`, mo("["), mi("x", "i"),
      plain("log"), mo("&#x2061;"), mi("xhat", "i"), mo("+"), mo("("), mn(1), mo("−"), mi("x", "i"), mo(")"), plain("log"), mo("&#x2061;"), mo("("),
      mn(1), mo("−"), mi("xhat", "i"), mo(")"), mo("]")], "L equals minus the sum over pixels i of x_i log x-hat_i plus (1 minus x_i) log (1 minus x-hat_i)")}
    <p>On the test set the loaded AE reaches ${value("ae.bce", bce, num(bce, 1))} nats per image (mean over
      images).</p>
    ${yardstick}
    ${nowSee("an AE is an encoder and a decoder around a bottleneck of d numbers, trained only to rebuild its input; its loss in nats/image has a yardstick: what always drawing the average image would cost.")}
    ${reproduce(["aevae train --preset paper --out RUNS", "aevae analyze RUNS/ae RUNS/vae", "aevae article --ae RUNS/ae --vae RUNS/vae"])}`;
}

/** Section 2: the holes, shown (the figure is fig-holes.js). */
export function holesProse(ctx) {
  const ae = ctx.models.ae.meta;
  const vae = ctx.models.vae.meta;
  return `
    <p>The AE was trained to rebuild images from the codes its encoder produced — nothing else. So what does its
      decoder make of a code it never saw? Figure 2 asks the loaded models directly.</p>
    <p><strong>Walk the line between two codes.</strong> Choose two test ${things(ae)} A and B. Each model encodes both; the
      handle moves a point along the straight line from A's code to B's (for the VAE, its mean μ — see section 3)
      and a little past either end. Both models decode the same position side by side. Where the AE's images stop
      looking like either input — or like any ${things(ae, false)} — the line has crossed a <em>hole</em>: a region no training
      code occupies, which the decoder was never asked to fill.</p>
    <p><strong>Draw codes at random.</strong> The second row decodes the same draws from N(0, I) by both models. To
      <em>generate</em> a new ${things(ae, false)} this is all you can do: pick a code and decode it. ${generationSentence(ae.prior, vae.prior)}</p>
    <p><strong>Look at a whole slice.</strong> The grids sweep two dimensions across each model's span of training
      codes, the others held at A's code. Cells far from where training codes lie show what the decoder does in the
      holes.</p>
    ${nowSee("an AE is only ever asked about its own codes. Wherever, past A and B or across a slice, the AE's images break up while the VAE's at the same place stay digits, you are looking at a hole. The next two sections explain why the VAE has fewer.")}`;
}

/** Section 3: the VAE, its objective with the loaded numbers, and Figure 3 (the graph, with σ made visible). */
export function vaeProse(ctx) {
  const vae = ctx.models.vae.meta;
  const klBits = vae.metrics?.kl_bits_per_image;
  if (!ctx.models.vae.net.variational) {
    return `<p class="missing">The model in the VAE slot (${esc(vae.kind.toUpperCase())}, d = ${vae.latent_dim}) is not
      variational: it has no μ, σ or KL to draw. Open the article on a VAE.</p>${reproduce(["aevae article --vae RUN_DIR"])}`;
  }
  return `
    <p>An AE's code is a single point, and nothing in its training says what a point <em>between</em> two codes
      should decode to. A variational autoencoder asks the encoder for a small cloud instead: for every dimension a
      ${term("mu", "mean μ")} and a ${term("sigma", "standard deviation σ")}, the distribution
      ${inline([plain("q"), mo("("), mi("z"), mo("|"), mi("x"), mo(")"), mo("="), plain("N"), mo("("), mi("mu"), mo(","), `<msup>${mi("sigma")}<mn>2</mn></msup>`, mo(")")], "q of z given x equals N of mu, sigma squared")}.
      The decoder sees a ${term("z", "sample z")} of that cloud, so nearby codes must decode alike.</p>
    <p>A second term keeps the clouds honest: the ${term("kl", "KL divergence")}
      (${define("kl", "what is KL?")}) from q(z|x) to the prior N(0, I) pulls every mean towards the origin and every
      σ towards 1. Per dimension it has a closed form (Kingma &amp; Welling 2014, appendix B):</p>
    ${equation([plain("KL"), mo("="), `<mfrac><mn>1</mn><mn>2</mn></mfrac>`, mo("("), `<msup>${mi("mu")}<mn>2</mn></msup>`,
      mo("+"), `<msup>${mi("sigma")}<mn>2</mn></msup>`, mo("−"), mn(1), mo("−"), plain("ln"), mo("&#x2061;"), `<msup>${mi("sigma")}<mn>2</mn></msup>`, mo(")")],
      "KL equals one half of mu squared plus sigma squared minus 1 minus ln sigma squared")}
    <p>Press <em>Sample ε</em> in Figure 3: it draws ${term("eps", "ε")} from N(0, I), forms
      ${inline([mi("z"), mo("="), mi("mu"), mo("+"), mi("sigma"), mo("·"), mi("eps")], "z equals mu plus sigma times epsilon")}
      and decodes it. The table gives this input's KL per dimension in nats and in ${define("bits", "bits")}
      (nats / ln 2); over the test set the VAE's KL averages ${value("vae.kl_bits", klBits, num(klBits, 1))} bits
      per image.</p>
    <p class="sigma-note"></p>
    ${objectiveHtml(vae)}
    ${nowSee("a VAE encodes each image as a small cloud, trains its decoder on points drawn from the cloud, and pays a KL price for clouds that stray from N(0, I); the loss you minimise is the sum of the two, in nats/image.")}
    ${reproduce(["aevae analyze RUNS/vae", "aevae train --model beta-vae --beta 4 --out RUNS/beta"])}`;
}

/** Section 4's closing paragraphs (the rest of its text stays beside Figure 4 in article.js). */
export function reparamProse(ctx) {
  return `
    <p><strong>One ε is enough.</strong> The loss we want to minimise is an <em>expectation</em> over ε. Because z
      is now a smooth function of μ and σ for every fixed ε, the gradient of the expectation is the expectation of
      the gradient:
      ${inline([mo("∇"), plain("E"), mo("["), plain("f"), mo("("), mi("mu"), mo("+"), mi("sigma"), mi("eps"), mo(")"), mo("]"), mo("="),
        plain("E"), mo("["), mo("∇"), plain("f"), mo("("), mi("mu"), mo("+"), mi("sigma"), mi("eps"), mo(")"), mo("]")],
        "the gradient of the expectation of f of mu plus sigma epsilon equals the expectation of the gradient")}.
      So the gradient computed with a single draw of ε per image is an <em>unbiased</em> Monte Carlo estimate of the
      true gradient: right on average, noisy for any one draw. Averaging over the images of a batch tames the
      noise; Kingma &amp; Welling used one sample per image.</p>
    <p><strong>The encoder's actual head.</strong> The loaded encoder outputs
      ${inline([plain("log"), mo("&#x2061;"), `<msup>${mi("sigma")}<mn>2</mn></msup>`], "log sigma squared")}
      (any real number, unlike σ), and σ = exp(½ log σ²). By the chain rule</p>
    ${equation([`<mfrac><mrow><mo>∂</mo>${mi("z")}</mrow><mrow><mo>∂</mo><mo>(</mo><mi>log</mi><msup>${mi("sigma")}<mn>2</mn></msup><mo>)</mo></mrow></mfrac>`,
      mo("="), `<mfrac><mrow><mo>∂</mo>${mi("z")}</mrow><mrow><mo>∂</mo>${mi("sigma")}</mrow></mfrac>`, mo("·"),
      `<mfrac><mrow><mo>∂</mo>${mi("sigma")}</mrow><mrow><mo>∂</mo><mo>(</mo><mi>log</mi><msup>${mi("sigma")}<mn>2</mn></msup><mo>)</mo></mrow></mfrac>`,
      mo("="), mi("eps"), mo("·"), `<mfrac><mn>1</mn><mn>2</mn></mfrac>`, mi("sigma"), mo("="), `<mfrac><mn>1</mn><mn>2</mn></mfrac>`, mi("sigma"), mo("·"), mi("eps")],
      "dz by d log sigma squared equals dz by d sigma times d sigma by d log sigma squared equals one half sigma times epsilon")}
    <p>The last column of Figure 4's table gives it for the input and the ε drawn now.</p>`;
}

/** Distance of a model's code centroid (the PCA's mean, latent units) from z = 0. */
const centroid = (model) => Math.hypot(...model.pcaMean);

/** Section 5: the two code spaces as wholes (Figure 5 is fig-pca.js). */
export function spacesProse(ctx) {
  const ae = ctx.models.ae.meta;
  const vae = ctx.models.vae.meta;
  const d = vae.latent_dim;
  const nA = ae.organisation?.mean_latent_norm;
  const nV = vae.organisation?.mean_latent_norm;
  const chi = expectedNorm(d);
  const nearPrior = nV === undefined ? "" : Math.abs(nV / chi - 1) <= 0.25
    ? `close to the ${value("prior.norm", chi, num(chi, 2))} that codes drawn from N(0, I) in d = ${d} dimensions have on average`
    : `${nV > chi ? "farther than" : "nearer than"} the ${value("prior.norm", chi, num(chi, 2))} that codes drawn from N(0, I) in d = ${d} dimensions have on average`;
  return `
    <p>What does the KL term do to the code space as a whole? Figure 5 projects every training image's code onto
      its first two principal components (the directions in which the codes vary most), one dot per image coloured
      by its label, both models on one scale. For the VAE each dot is the encoder's mean μ, not a noisy sample.</p>
    <p>The AE is free to place its codes anywhere: they lie on average
      ${value("ae.norm", nA, num(nA, 2))} ${define("latent-unit", "latent units")} from z = 0. The VAE's KL term pulls
      its codes towards N(0, I): they lie ${value("vae.norm", nV, num(nV, 2))} from z = 0 on average, ${nearPrior}.</p>
    <p>The cross marks z = 0, where the prior N(0, I) is centred; the ring marks the centroid of the codes (their
      mean), where the projection is centred. The AE's centroid lies
      ${value("ae.centroid", centroid(ctx.models.ae), num(centroid(ctx.models.ae), 2))} latent units from z = 0, the
      VAE's ${value("vae.centroid", centroid(ctx.models.vae), num(centroid(ctx.models.vae), 2))}: ${
      centroid(ctx.models.ae) > 2 * centroid(ctx.models.vae) ? "the AE's codes as a whole sit off the origin, the VAE's around it"
        : centroid(ctx.models.vae) > 2 * centroid(ctx.models.ae) ? "the VAE's codes as a whole sit off the origin, the AE's around it"
          : "both sets of codes sit at similar distances from the origin"}.</p>
    <p>${separationSentence(ae.organisation, vae.organisation)} (${define("knn", "5-NN")},
      ${define("silhouette", "silhouette")}.)</p>
    <p>Switch to "fit each map" to compare shapes instead of sizes.</p>
    ${nowSee(nA === undefined || nV === undefined ? "how far each model's codes lie from z = 0, and whether that matches N(0, I)."
      : `${nA > 1.5 * nV ? `the AE's codes spread ${num(nA / nV, 1)}× as far from z = 0 as the VAE's` : `both models' codes lie at similar distances from z = 0 (AE ${num(nA, 2)}, VAE ${num(nV, 2)})`};
      N(0, I) is a sensible place to draw new codes for a model only where its codes lie about as far out as N(0, I)'s
      ${num(chi, 2)}: here the ${Math.abs(nV / chi - 1) < Math.abs(nA / chi - 1) ? "VAE's" : "AE's"} do.`)}`;
}

/** Section 6: compression versus generation, in the loaded numbers. */
export function compressionProse(ctx) {
  const ae = ctx.models.ae.meta;
  const vae = ctx.models.vae.meta;
  const bA = ae.metrics?.bce_nats_per_image;
  const bV = vae.metrics?.bce_nats_per_image;
  const sameD = ae.latent_dim === vae.latent_dim;
  const price = bA === undefined || bV === undefined ? "" : `
    <p>The price is paid in reconstruction. At ${sameD ? `the same d = ${vae.latent_dim}` : `d = ${ae.latent_dim} (AE) and d = ${vae.latent_dim} (VAE)`},
      the AE rebuilds test images at ${value("cmp.ae", bA, num(bA, 2))} nats/image and the VAE, decoding its mean
      μ, at ${value("cmp.vae", bV, num(bV, 2))}: ${bV > bA
        ? `the VAE pays ${value("cmp.price", bV - bA, num(bV - bA, 2))} nats/image (${pct(bV / bA - 1)}) for its tidy space.`
        : `the VAE pays nothing here (${num(bA - bV, 2)} nats/image better).`}</p>`;
  const pa = ae.prior?.plausible_fraction;
  const pv = vae.prior?.plausible_fraction;
  const gain = pa === undefined || pv === undefined ? "" : `
    <p>The gain is in generation: ${pct(pv, 0)} of the VAE's decoded N(0, I) draws pass the nearest-image test of
      section 9, against ${pct(pa, 0)} of the AE's (real test images: ${pct(vae.prior.real_plausible_fraction, 0)}).
      ${pv > pa ? `The VAE's draws pass ${pv >= vae.prior.real_plausible_fraction - 0.1 ? "almost as often as real test digits do" : "more often than the AE's, though less often than real test digits"}.`
        : "On these models the VAE's draws do not pass more often."}</p>`;
  return `
    <p>Why would anyone still use a plain AE? Because for <em>compression</em> the holes do no harm. To compress,
      you encode a real image and later decode its code: the decoder only ever sees codes the encoder produced, and
      those it was trained on. How the space between them looks never matters.</p>
    <p>To <em>generate</em>, you must invent a code. Now the space between and around the training codes is all
      that matters, and you need to know where codes are likely — a known distribution to draw from. The VAE
      provides both: the noise fills the gaps, and the KL makes N(0, I) that distribution.</p>
    ${price}${gain}
    ${nowSee(`spread, unconstrained codes suit a compressor and fail a generator${bA !== undefined && bV !== undefined && pa !== undefined && pv !== undefined
      ? `; here the VAE ${bV > bA ? `gives up ${num(bV - bA, 2)} nats/image of reconstruction` : "gives up no reconstruction"} and
        ${pv > pa ? `gains ${num(100 * (pv - pa), 0)} percentage points of plausible prior samples` : "gains no plausible prior samples"}` : ""}.`)}`;
}

/** Section 7: how to read the interactive figure, before embedding it, and four experiments. */
export function interactiveProse(ctx) {
  const d = ctx.models.vae.meta.latent_dim;
  const spread = (m) => m.meta.organisation?.per_dim_std;
  const [sA, sV] = [spread(ctx.models.ae), spread(ctx.models.vae)];
  const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
  const ratio = sA && sV ? mean(sA) / mean(sV) : undefined;
  const axes = ratio === undefined ? "the AE's axes and the VAE's side by side"
    : ratio >= 1.5 ? `the AE's axes span about ${num(ratio, 1)}× the VAE's (mean spread per dimension ${num(mean(sA), 2)} against ${num(mean(sV), 2)} latent units) — Figure 5's spread, axis by axis`
    : `axes of similar span (mean spread per dimension: AE ${num(mean(sA), 2)}, VAE ${num(mean(sV), 2)} latent units)`;
  const probe = ctx.gallery.find((item) => item.kind !== "test");
  const digit = ctx.gallery.find((item) => item.kind === "test");
  let probeStep = "";
  if (probe && digit && ctx.models.vae.net.variational) {
    const sig = (item) => mean(Array.from(ctx.models.vae.net.encode(item.image).sigma));
    const [sp, sd] = [sig(probe), sig(digit)];
    probeStep = `<li><strong>Snap the line to the probe "${esc(probe.name)}" and press "Sample z ~ q(z|x)".</strong>
        <em>You should see</em> its samples vary ${sp > sd ? "more" : "no more"} than a digit's: the VAE's mean σ for
        it is <span class="val" data-key="probe.sigma">${num(sp, 3)}</span> against ${num(sd, 3)} for
        ${esc(digit.name)}.</li>`;
  }
  return `
    <p>The explorer below draws each code as a line across d = ${d} vertical axes: a chart called
      <strong>parallel coordinates</strong>. Figure 6 shows the idea on one input. Each axis is one latent dimension;
      the input's ${d} numbers are ${d} points, one per axis, at their values; joining the points gives one line,
      and one line is one code.</p>
    <p>Behind each axis is a <strong>violin</strong>: the density of that dimension's values over all training
      images, mirrored left and right. Wide where many training codes have that value, thin where few do, absent
      where none do. A point of a line in a thin part of a violin is an unusual value for that dimension.</p>
    <p>In the explorer the black line is the code being decoded; coloured lines are the inputs you pick, and for
      the VAE the band around a line is μ ± σ. Try these:</p>
    <ol class="experiments">
      <li><strong>Drag one VAE axis across its violin</strong> (drag a point of the black line, or focus it and use
        the arrow keys). <em>You should see</em> the digit change smoothly, and stay a digit, as long as the point
        stays inside the violin.</li>
      <li><strong>Press "Show AE" and compare the axis ranges.</strong> <em>You should see</em> ${axes}.</li>
      ${probeStep}
      <li><strong>Move one AE point into a gap or past the end of its violin.</strong> <em>You should see</em> the
        output stop looking like a digit: a hole, found by hand.</li>
    </ol>
    <p>Under "Selected inputs" the explorer ranks each input's reconstruction error among the test images' errors;
      the code's position is given as a percentile among the <em>training</em> codes of each dimension. The error is
      the signal that an input is unusual; the code's position only says where the code lies (docs/explorer.md
      measures it: it does not separate unusual inputs).</p>
    <p><button type="button" class="tour-start">Take the guided tour</button> — it steps through the live view and
      points at each part.</p>`;
}
