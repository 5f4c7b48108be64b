// Sentences that compare or judge, generated from the numbers they compare: how much the digits overlap in each
// code space (the 5-NN accuracy beside the silhouette), whether N(0, I) draws make the AE generate (claim 3's
// shares), and how the encoder's layers fold the image into the code (the layer table). Change the numbers in the
// bundle and the sentences change with them; nothing here is fixed text about a particular pair of models.

import { num, pct } from "./format.js";

const LITTLE = 0.8; // 5-NN accuracy from which an image's nearest codes are mostly its own digit's
const PARTLY = 0.5; // below this, most nearest codes belong to other digits
const COMPACT = 0.25; // silhouette from which label groups are compact and apart (Rousseeuw 1987: "weak" below 0.25)
export const PLAUSIBLE = 0.5; // claim 3 (aevae.report.claims): at least half of the decoded prior samples pass

/** "overlap little" / "overlap in part" / "overlap heavily" for a 5-NN accuracy (a fraction). */
export function overlapWords(knn) {
  return knn >= LITTLE ? "overlap little" : knn >= PARTLY ? "overlap in part" : "overlap heavily";
}

/**
 * Figure 5's judgement: how the digits sit in each space, from each model's organisation scores
 * ({knn5_accuracy, silhouette_by_label}); "" when a score is missing.
 */
export function separationSentence(ae, vae) {
  const k = [ae?.knn5_accuracy, vae?.knn5_accuracy];
  const s = [ae?.silhouette_by_label, vae?.silhouette_by_label];
  if ([...k, ...s].some((v) => v === undefined || v === null)) return "";
  const [wa, wv] = k.map(overlapWords);
  const where = wa === wv ? `In both spaces the digits ${wa}` : `In the AE's space the digits ${wa}, in the VAE's they ${wv}`;
  let text = `${where}: a vote of the 5 nearest training codes names a test image's digit correctly for
    <span class="val" data-key="ae.knn">${pct(k[0])}</span> of test images with the AE and
    <span class="val" data-key="vae.knn">${pct(k[1])}</span> with the VAE.`;
  const low = s.filter((v) => v < COMPACT).length;
  const sil = `AE ${num(s[0], 3)}, VAE ${num(s[1], 3)}`;
  if (low === 2 && Math.min(...k) >= PARTLY) {
    text += ` The silhouette is low all the same (${sil}, on a scale from −1 to 1): the digits form long, touching
      bands rather than compact, well-separated balls. A low silhouette measures compactness and separation, not
      overlap.`;
  } else if (low === 2) {
    text += ` The silhouette agrees (${sil}, on a scale from −1 to 1): the labels form no separate groups.`;
  } else if (low === 0) {
    text += ` The silhouette (${sil}) says the groups are also compact and apart.`;
  } else {
    text += ` The silhouette (${sil}) calls the ${s[0] >= COMPACT ? "AE's" : "VAE's"} groups compact and apart, the
      other's not.`;
  }
  return text;
}

/**
 * Whether the AE generates from N(0, I) draws, from the prior-sample test of both models ({plausible_fraction});
 * the mechanism sentence of the drawbacks paragraph.
 */
export function generationSentence(aePrior, vaePrior) {
  if (!aePrior || !vaePrior) {
    return "Whether its draws from N(0, I) decode to digits is not measured for these models (aevae analyze measures it).";
  }
  const pa = aePrior.plausible_fraction;
  const pv = vaePrior.plausible_fraction;
  const shares = `<span class="val" data-key="prior.ae">${pct(pa, 0)}</span> of the AE's decoded N(0, I) draws pass
    the nearest-image test of claim 3 below, against <span class="val" data-key="prior.vae">${pct(pv, 0)}</span> of
    the VAE's`;
  if (pa < PLAUSIBLE) {
    return `Drawing codes from N(0, I) does not make the AE generate: only ${shares}; most of its draws land where no
      training code lies and decode to nothing recognisable.`;
  }
  return `Here ${shares}: the AE can generate from the patch of its space that N(0, I) happens to cover, but nothing
    in its training said where to sample${pv > pa ? "; its draws pass less often than the VAE's" : ""}, and draws
    between or beyond its training codes can fall into holes like those of Figure 2.`;
}

/** "two fully connected layers (1024 → 128 → 4)" from the encoder's layer table and the model's latent size. */
export function denseLayers(table, d) {
  const linear = table.encoder.filter((s) => s.op === "linear");
  const words = ["no", "one", "two", "three", "four", "five"];
  const count = words[linear.length] ?? String(linear.length);
  const chain = linear.length ? ` (${[linear[0].in, ...linear.map((s, i) => i === linear.length - 1 ? d : s.out)]
    .map((v) => num(v)).join(" → ")})` : "";
  return `${count} fully connected layer${linear.length === 1 ? "" : "s"}${chain}`;
}
