// The VAE's objective, written and then measured on the loaded VAE: −ELBO = reconstruction + KL with its own
// numbers (nats/image), what each term pushes towards, what happens without the KL term, β as the knob between the
// two (an empty slot, #kl-knob, holds the "Turn the KL knob" figure, which is its own module), and the
// importance-weighted bound as the tighter estimate of −log p(x) (Burda et al. 2016).

import { num, pct, things, value } from "./format.js";
import { define } from "./glossary.js";
import { equation, mi, mo, plain } from "./math.js";

const E = (t) => `<msub><mi mathvariant="double-struck">E</mi><mrow>${t}</mrow></msub>`;

/** The objective subsection of the VAE section, for the VAE's metadata `vae`. */
export function objectiveHtml(vae) {
  const m = vae.metrics || {};
  const total = m.neg_elbo_nats_per_image;
  const kl = m.kl_nats_per_image;
  const recon = total !== undefined && kl !== undefined ? total - kl : undefined;
  const fromMu = m.bce_nats_per_image;
  const measured = recon === undefined ? `<p class="missing">This VAE's analysis stores no −ELBO, so the terms
    cannot be shown with its numbers (aevae analyze RUN_DIR measures them).</p>` : `
    <p>On the test set the loaded VAE's terms are, in nats per image (mean over images):</p>
    <p class="elbo-sum" role="math" aria-label="reconstruction plus KL equals minus ELBO">
      <span class="term-box">reconstruction ${value("elbo.recon", recon, num(recon, 2))}</span> +
      <span class="term-box v-kl">KL ${value("elbo.kl", kl, num(kl, 2))}</span> =
      <span class="term-box">−ELBO ${value("elbo.total", total, num(total, 2))}</span></p>
    <p>The KL is ${kl < recon ? "the smaller" : "the larger"} share, ${pct(kl / total, 0)} of the total: the price of
      keeping codes near N(0, I). The reconstruction term here is measured on one noisy code z per image; decoded
      from the mean μ alone the same images cost ${value("elbo.bce_mu", fromMu, num(fromMu, 2))} nats/image, so
      ${recon >= fromMu ? `the noise itself costs ${num(recon - fromMu, 2)}` : `the noisy codes score ${num(fromMu - recon, 2)} better here, within the noise of a one-sample estimate`}.</p>`;
  const iw = m.iw_nll_nats_per_image;
  const iwElbo = m.iw_neg_elbo_nats_per_image;
  const bound = iw === undefined ? "" : `
    <p><strong>How good a model of the ${things(vae)} is it?</strong> −ELBO is an upper bound on −log p(x), the number of
      nats the VAE needs to describe an image. Averaging over k noisy codes per image with importance weights gives
      a tighter upper bound (Burda et al. 2016): with k = ${num(m.iw_samples)} on the first
      ${num(m.iw_test_images)} test images it is ${value("elbo.iw", iw, num(iw, 2))} nats/image, against a −ELBO of
      ${num(iwElbo, 2)} on the same images: the plain bound was ${num(iwElbo - iw, 2)} nats/image
      ${iwElbo - iw >= 0 ? "too pessimistic" : "lower — which a correct estimate should not be"}.</p>`;
  return `
    <h3 id="objective">The objective, term by term</h3>
    <p>Put together, a VAE minimises one number per image, the negative ${define("elbo", "evidence lower bound")}:</p>
    ${equation([mo("−"), plain("ELBO"), mo("="), E(`<mi>q</mi><mo>(</mo>${mi("z")}<mo>|</mo>${mi("x")}<mo>)</mo>`),
      mo("["), mo("−"), plain("log"), mo("&#x2061;"), plain("p"), mo("("), mi("x"), mo("|"), mi("z"), mo(")"), mo("]"),
      mo("+"), plain("KL"), mo("("), plain("q"), mo("("), mi("z"), mo("|"), mi("x"), mo(")"), mo("‖"), plain("p"),
      mo("("), mi("z"), mo(")"), mo(")")],
      "minus ELBO equals the expectation under q of z given x of minus log p of x given z, plus KL of q of z given x from p of z")}
    <p>The first term is the reconstruction loss of section 1 — the BCE — but on a <em>noisy</em> code z drawn from
      the ${define("posterior", "posterior")} q(z|x). It pushes σ down (noise only blurs the reconstruction) and
      pushes codes of different images apart (so the decoder can tell them apart). The second term, the KL to the
      ${define("prior", "prior")} N(0, I), pushes the other way: every μ towards 0 and every σ towards 1. The codes
      end where the two forces balance.</p>
    ${measured}
    <p><strong>Without the KL term</strong> nothing holds σ up. Noise only hurts reconstruction, so training shrinks
      σ towards 0; the noisy code becomes the mean μ, the VAE becomes an AE, and the holes of section 2 come back.
      Nothing holds the codes near the origin either, so they spread as the AE's do.</p>
    <p><strong>β is the knob between the two.</strong> Weighting the KL by β gives reconstruction + β·KL: β = 0 is
      the AE's objective (with noise it learns to switch off), β = 1 the VAE's, and β &gt; 1 presses the codes
      harder towards N(0, I) at a cost in reconstruction (the β-VAE of section 10).</p>
    <div id="kl-knob" class="kl-knob-slot"></div>
    ${bound}`;
}
