// The article's frame: the paper it reproduces, the question it answers and what a reader should take away — the
// opening under the title and the closing section. Sentences that compare the two models are built from their
// numbers (judgements.js), so they stay true for any loaded pair.

import { num, pct, things } from "./format.js";
import { meanImageBaseline } from "./yardsticks.js";

export const PAPER = {
  authors: "Thilo Spinner, Jonas Körner, Jochen Görtler and Oliver Deussen",
  title: "Towards an Interpretable Latent Space — An Intuitive Comparison of Autoencoders with Variational Autoencoders",
  venue: "Workshop on Visualization for AI Explainability (VISxAI), IEEE VIS 2018",
  href: "https://thilospinner.com/towards-an-interpretable-latent-space/",
};

/** How well both models rebuild their inputs, against always drawing the average image (yardsticks.js). */
function rebuild(ctx) {
  const base = meanImageBaseline(ctx.gallery);
  const bce = ["ae", "vae"].map((s) => ctx.models[s].meta.metrics?.bce_nats_per_image);
  if (!base || bce.some((b) => b === undefined)) return "Both are trained to rebuild their inputs";
  const worst = Math.max(...bce);
  return worst < 0.8 * base.bce ? "Both rebuild their inputs far better than always drawing the average image would"
    : worst < base.bce ? "Both rebuild their inputs, if only a little better than always drawing the average image would"
      : "Neither yet rebuilds its inputs better than always drawing the average image would";
}

/** The opening: which paper, the question, why it matters, the learning goals. */
export function opening(ctx) {
  const d = ctx.models.vae.meta.latent_dim;
  return `
    <p class="byline">A live reproduction of <cite><a href="${PAPER.href}" rel="noreferrer">${PAPER.title}</a></cite>
      by ${PAPER.authors} (${PAPER.venue}).</p>
    <div class="question">
      <p><strong>The question.</strong> Take two neural networks with the same layers, trained on the same ${things(ctx.models.vae.meta)} to
        squeeze each image into ${d} numbers and rebuild it. One is a plain autoencoder (AE), the other a variational
        autoencoder (VAE). ${rebuild(ctx)} — yet they arrange their ${d}-number codes in very different
        ways. Why, and what does it change?</p>
      <p>It matters because the arrangement decides what the codes are good for. A code space with holes in it is
        fine for <em>compressing</em> (the decoder only ever sees codes of real images), but useless for
        <em>generating</em> (a new code drawn at random may land in a hole).</p>
      <p><strong>After reading you should be able to</strong></p>
      <ul class="goals">
        <li>explain, in your own words, why an AE's code space has holes and a VAE's has far fewer;</li>
        <li>read the VAE's objective — reconstruction plus KL — and say what each term pushes the codes towards;</li>
        <li>say which of the two you would use to compress an image and which to make a new one, and what each
          costs, in the loaded models' own numbers.</li>
      </ul>
    </div>`;
}

/** The closing section: what the reader should take away, with the loaded models' numbers, and where to read on. */
export function takeawaysSection(ctx) {
  const ae = ctx.models.ae.meta;
  const vae = ctx.models.vae.meta;
  const bA = ae.metrics?.bce_nats_per_image;
  const bV = vae.metrics?.bce_nats_per_image;
  const pa = ae.prior?.plausible_fraction;
  const pv = vae.prior?.plausible_fraction;
  const recon = bA === undefined || bV === undefined ? "" : bV > bA
    ? ` Here the VAE reconstructs ${num(bV - bA, 1)} nats/image worse than the AE (${num(bV, 1)} against ${num(bA, 1)}).`
    : ` Here the VAE reconstructs no worse than the AE (${num(bV, 1)} against ${num(bA, 1)} nats/image).`;
  const gen = pa === undefined || pv === undefined ? "" : pv > pa
    ? ` Of decoded N(0, I) draws, ${pct(pv, 0)} of the VAE's pass the nearest-image test of section 9 against ${pct(pa, 0)} of the AE's.`
    : ` Of decoded N(0, I) draws, ${pct(pv, 0)} of the VAE's pass against ${pct(pa, 0)} of the AE's: on these models the VAE does not sample better.`;
  return `
    <ul class="takeaways">
      <li><strong>An AE places each code wherever reconstruction likes it.</strong> Nothing asks the space between
        codes to mean anything, so lines between codes and points beyond them can decode to non-digits (section 2).</li>
      <li><strong>A VAE trains on noisy codes and pays a KL price for every code that strays from N(0, I).</strong> Noise
        forces neighbouring codes to decode alike; the KL keeps all codes in one known region. Together they close the
        holes (sections 3 and 5).</li>
      <li><strong>Compressing and generating want different things.</strong> Spread codes cost nothing when you only
        decode codes of real images; they cost everything when you draw new codes.${recon}${gen}</li>
      <li><strong>β sets the balance.</strong> Weighting the KL by β = 0 gives back an AE with holes; β &gt; 1 trades
        more reconstruction for a tidier space (sections 3 and 10).</li>
      <li><strong>The numbers need yardsticks.</strong> Losses in nats/image, rates in bits/image, a code's length
        against what N(0, I) gives: a number means something only beside what it is compared with.</li>
    </ul>
    <h3>Further reading</h3>
    <ul>
      <li>The paper this article reproduces: <a href="${PAPER.href}" rel="noreferrer">Spinner et al. (2018)</a>.</li>
      <li>Kingma &amp; Welling (2019), <a href="https://arxiv.org/abs/1906.02691" rel="noreferrer">An Introduction to
        Variational Autoencoders</a>: the derivations behind sections 3 and 4, at length.</li>
      <li>Alemi et al. (2018), <a href="https://arxiv.org/abs/1711.00464" rel="noreferrer">Fixing a Broken ELBO</a>:
        rate and distortion, the view of section 8.</li>
      <li>Burda et al. (2016), <a href="https://arxiv.org/abs/1509.00519" rel="noreferrer">Importance Weighted
        Autoencoders</a>: the tighter bound of section 3.</li>
    </ul>
`;
}
