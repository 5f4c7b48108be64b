// Sections 9 and 10: the paper's three claims measured on the loaded models (with our criteria, the same as
// aevae.report.claims, stated beside each verdict), "not measured" with the command that measures it where the
// bundle lacks a number, and the extensions the paper names, with numbers where the loaded runs hold them.

import { command, num, pct } from "./format.js";
import { define } from "./glossary.js";
import { PLAUSIBLE } from "./judgements.js";
import { reproduce } from "./sections.js";

const BCE_TOLERANCE = 0.05; // claim 1: "about as well" = at most 5 % higher BCE (aevae.report.claims)
const NORM_FACTOR = 2; // claim 2: AE latents at least twice as far from the origin on average

function verdict(kind, text) {
  return `<p class="verdict ${kind.replace(" ", "-")}" data-verdict="${kind}"><strong>${kind}</strong> ${text}</p>`;
}

/** The three claims as HTML. */
export function claimsSection(ctx) {
  const ae = ctx.models.ae.meta;
  const vae = ctx.models.vae.meta;
  const d2 = ctx.companions["ae-d2"];
  const parts = [];

  // Claim 1: an AE with d = 2 against this VAE with d = 4.
  let one;
  if (vae.latent_dim !== 4 || !vae.variational) {
    one = verdict("not measured", `The loaded VAE has d = ${vae.latent_dim}; the claim compares a VAE with d = 4
      with an AE with d = 2: ${command("aevae train --model vae --latent 4 --out RUNS/vae")} and
      ${command("aevae train --model ae --latent 2 --out RUNS/ae-d2")}, then compare their test BCE.`);
  } else if (!d2 && ae.latent_dim !== 2) {
    one = verdict("not measured", `It needs an AE with d = 2 trained like this VAE:
      ${command(`aevae train --model ae --latent 2 --epochs ${vae.config?.train?.epochs ?? 8} --out RUNS/ae-d2`)},
      then ${command("aevae article --ae RUNS/ae-d2 --vae RUN_VAE")}.`);
  } else {
    const a = d2 ? d2.metrics.bce_nats_per_image : ae.metrics.bce_nats_per_image;
    const v = vae.metrics.bce_nats_per_image;
    const ok = a <= (1 + BCE_TOLERANCE) * v;
    one = verdict(ok ? "agrees" : "disagrees", `The AE with d = 2${d2 ? " (shipped beside the pair, trained with the same settings)" : ""}
      reconstructs with a test BCE of <span class="val" data-key="claim1.ae">${num(a, 2)}</span> nats/image, the
      VAE with d = 4 with <span class="val" data-key="claim1.vae">${num(v, 2)}</span> (${a >= v ? "+" : ""}${pct(a / v - 1)}),
      against the ${pct(BCE_TOLERANCE, 0)} we allow. ${ok ? "" : "Two numbers per image are too few for these digits: the AE loses detail the VAE's four keep."}`);
  }
  parts.push(`<li><p class="claim">An AE with 2 latent variables reconstructs about as well as a VAE with 4.</p>${one}
    <p class="criterion">Criterion: the AE's test BCE at most ${pct(BCE_TOLERANCE, 0)} above the VAE's.</p></li>`);

  // Claims 2 and 3 compare the two models at one latent size, as aevae.report.claims does.
  const sameD = ae.latent_dim === vae.latent_dim;
  const otherD = `The loaded AE has d = ${ae.latent_dim}, the VAE d = ${vae.latent_dim}; this claim compares the two at one
    latent size: ${command(`aevae train --model ae --latent ${vae.latent_dim} --out RUNS/ae`)}, then
    ${command("aevae article --ae RUNS/ae --vae RUN_VAE")}.`;

  // Claim 2: AE spread, VAE compact.
  const oa = ae.organisation || {};
  const ov = vae.organisation || {};
  let two;
  if (!sameD) {
    two = verdict("not measured", otherD);
  } else if (oa.mean_latent_norm === undefined || ov.mean_latent_norm === undefined) {
    two = verdict("not measured", `The analysis of one model lacks its organisation scores: ${command("aevae analyze RUN_DIR")}.`);
  } else {
    const ok = oa.mean_latent_norm >= NORM_FACTOR * ov.mean_latent_norm && oa.silhouette_by_label > ov.silhouette_by_label;
    two = verdict(ok ? "agrees" : "disagrees", `Mean ‖z‖: AE ${num(oa.mean_latent_norm, 2)}, VAE ${num(ov.mean_latent_norm, 2)}
      latent units (${num(oa.mean_latent_norm / ov.mean_latent_norm, 1)}×); silhouette by label: AE ${num(oa.silhouette_by_label, 3)},
      VAE ${num(ov.silhouette_by_label, 3)}. ${Math.max(oa.silhouette_by_label, ov.silhouette_by_label) < 0.25 ?
      "Neither forms well-separated clusters (silhouettes near 0): “large” is the clearer half of the claim." : ""}`);
  }
  parts.push(`<li><p class="claim">AE latents form large, separate clusters; VAE latents are compact around the origin
    (Figure 5).</p>${two}<p class="criterion">Criterion: the AE's mean ‖z‖ at least ${NORM_FACTOR}× the VAE's and its
    silhouette higher.</p></li>`);

  // Claim 3: prior samples.
  let three;
  if (!sameD) {
    three = verdict("not measured", otherD);
  } else if (!ae.prior || !vae.prior) {
    three = verdict("not measured", `This bundle lacks the prior-sample test of ${!ae.prior && !vae.prior ? "both models" :
      !ae.prior ? "the AE" : "the VAE"}: it is part of ${command("aevae analyze RUN_DIR")}; the shipped models gain it
      when regenerated (${command("python -m aevae.explorer.bundle.make_defaults --from RUNS")}).`);
  } else {
    const pa = ae.prior.plausible_fraction;
    const pv = vae.prior.plausible_fraction;
    const ok = pv >= PLAUSIBLE && pa < PLAUSIBLE;
    const why = ok ? "" : pv > pa && pa >= PLAUSIBLE ? ` The direction agrees — the VAE's samples pass more often —
      but more than half of the AE's pass too: its codes spread ${num(oa.mean_latent_norm / ov.mean_latent_norm, 1)}×
      as far as the VAE's, so N(0, I) covers one busy patch of them (Figure 5).` : "";
    three = verdict(ok ? "agrees" : "disagrees", `Decoded N(0, I) samples that pass: VAE ${pct(pv, 0)}, AE ${pct(pa, 0)}
      (real test images: ${pct(vae.prior.real_plausible_fraction, 0)}).${why}`);
  }
  parts.push(`<li><p class="claim">A sample from N(0, I) decodes to a plausible digit for the VAE, not for the AE.</p>
    ${three}<p class="criterion">Criterion: at least ${pct(PLAUSIBLE, 0)} of the VAE's samples pass the
    nearest-image test (docs/analysis.md) and fewer than ${pct(PLAUSIBLE, 0)} of the AE's.</p></li>`);
  return `<ol class="claims">${parts.join("")}</ol>`;
}

/** Section 10: β-VAE, MMD/InfoVAE, clustering. */
export function extensionsSection(ctx) {
  const loaded = ["ae", "vae"].map((s) => ctx.models[s].meta);
  const of = (kind) => loaded.find((m) => m.kind === kind);
  const beta = of("beta-vae");
  const mmd = of("mmd-vae");
  const row = (m) => `${m.kind} d = ${m.latent_dim}: BCE ${num(m.metrics?.bce_nats_per_image, 1)} nats/image` +
    (m.metrics?.kl_bits_per_image !== undefined ? `, KL ${num(m.metrics.kl_bits_per_image, 1)} bits/image` : "");
  const clustering = loaded.map((m) => `<li>${m.kind.toUpperCase()} (d = ${m.latent_dim}): k-means with 10 clusters
    agrees with the labels with ${define("nmi", "NMI")} <span class="val" data-key="${m.slot}.nmi">${num(m.organisation?.kmeans10_nmi, 3)}</span>
    and ${define("purity", "purity")} ${pct(m.organisation?.kmeans10_purity)}; a 5-nearest-neighbour vote on the latents classifies
    ${pct(m.organisation?.knn5_accuracy)} of test images.</li>`).join("");
  return `
    <h3>β-VAE: weigh the KL more</h3>
    <p>Multiplying the KL term by β > 1 (Higgins et al. 2017) presses the code harder towards N(0, I): fewer bits
      per image, blurrier reconstructions, and often dimensions that each follow one factor of variation.
      ${beta ? `Loaded: ${row(beta)}.` : "Not among the loaded models; “Reproduce this” below trains one."}</p>
    <h3>Another distance: MMD (InfoVAE)</h3>
    <p>The KL compares each image's q(z|x) with the prior; Zhao et al. (2019) instead ask only that the codes of
      all images together look like N(0, I), measured by the maximum mean discrepancy (${define("mmd", "MMD")}). The code can then carry more
      about each image. ${mmd ? `Loaded: ${row(mmd)}.` : "Not among the loaded models; “Reproduce this” below trains one."}</p>
    <h3>Clustering on the latent space</h3>
    <p>If similar images get nearby codes, clustering the codes should find the classes without labels.</p>
    <ul>${clustering}</ul>
    ${reproduce(["aevae train --model beta-vae --beta 4 --out runs/beta", "aevae article --vae runs/beta",
      "aevae train --model mmd-vae --mmd-weight 100 --out runs/mmd", "aevae article --vae runs/mmd"])}`;
}
