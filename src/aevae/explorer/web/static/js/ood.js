// Out-of-distribution signals of one input for one model, each named after what it measures:
//
// - "code position": where each latent value falls among the training values of its dimension (percentiles from the
//   analysis's quantiles), and how often a training image has *some* value at least as far out as this input's most
//   extreme one, treating dimensions as independent: P = 1 − (1 − 2·tail)^d. It says where the code lies, not
//   whether the image is unusual: an encoder maps a letter onto ordinary codes (it has to put it somewhere).
// - "reconstruction error": the input's BCE against the decoding of its own latent mean (nats/image), ranked among
//   the test images' (analysis: aevae.analysis.novelty). A model reconstructs what it was trained on; a shape it
//   never saw comes back as the nearest thing it knows. On the shipped pair it separates letters and shapes from
//   test digits with AUROC 0.91–0.93, where code position does no better than a coin (benchmarks/ood_signals.py,
//   docs/explorer.md); so the verdict uses the error signals only, and says so when neither flags an input.
// - "typicality" (VAEs): |BCE + KL − H| ranked among the test images', H their mean: the typicality test of
//   Nalisnick et al. (2019) for a single input; it also flags inputs that are *too* likely (a blank image, a single
//   stroke). So every flag says its direction: "too hard to explain" (more nats than the test images: a shape the
//   model never learned) or "too easy to explain" (fewer: simpler than its data, which is no alarm about the shape).
//
// Percentile-ranked signals use fixed levels: ≥ 99th percentile "unusual", ≥ 95th "rare": by construction 1 % and
// 5 % of test images reach them.

import { ordinal, percentile } from "./latent.js";

const RARE = 0.05; // code position: P below this is rare among training images
const UNUSUAL = 0.01; // ... and unusual
const RANK_RARE = 95; // percentile ranks of the error signals at which they call an input rare
const RANK_UNUSUAL = 99; // ... and unusual
const P_MIN = 1e-7; // decoded probabilities are clamped here: float32 sigmoid reaches 0 and 1 exactly
const judged = new WeakMap(); // code -> {model, signals}

/** `oodSignals`, worked out once per code and model: an input's code in one model is one object (actions.js keeps
 * them), and a family's slider comes back to the models it has shown. */
export function oodSignalsOf(model, code, image, items) {
  const known = judged.get(code);
  if (known?.model === model) return known.signals;
  const signals = oodSignals(model, code, image, items);
  judged.set(code, { model, signals });
  return signals;
}

/**
 * The code-position signal for latent `mu` of a model.
 * @returns {{percentiles: number[], chance: number, level: "typical"|"rare"|"unusual"|"outside", text: string}}
 *   percentiles: 0–100 per dimension; chance: P above (0–1)
 */
export function oodHint(model, mu) {
  const percentiles = Array.from(mu, (v, j) => percentile(model, j, v));
  const tails = percentiles.map((p) => Math.min(p, 100 - p) / 100);
  const tail = Math.min(...tails);
  const dim = tails.indexOf(tail);
  const chance = 1 - (1 - 2 * tail) ** percentiles.length;
  const where = `z${dim + 1} at the ${ordinal(percentiles[dim])} percentile`;
  const odds = `${(100 * chance).toFixed(chance < 0.01 ? 2 : 0)}% of training codes are as extreme`;
  if (tail === 0) return { percentiles, chance, level: "outside", text: `outside all training codes (z${dim + 1})` };
  if (chance < UNUSUAL) return { percentiles, chance, level: "unusual", text: `far out: ${where}; ${odds}` };
  if (chance < RARE) return { percentiles, chance, level: "rare", text: `outer tail: ${where}; ${odds}` };
  return { percentiles, chance, level: "typical", text: "among the training codes" };
}

/**
 * Every signal of `input` for the model in `slot`, and a summary that says which (if any) flags it.
 * @param {object} model the model (bundle.js), with testBceQuantiles / testTypicalityQuantiles when measured
 * @param {{mu: ArrayLike<number>, sigma: ArrayLike<number>|null}} code the input's code in that model
 * @param {Float32Array} image the input, 32 × 32 in [0, 1]
 * @param {string} items what the test images are ("digits", ...), for the text
 * @returns {{code: object, signals: {name: string, key: string, level: string, text: string, value?: number,
 *            rank?: number, direction?: string}[], level: string, direction: string|null, text: string,
 *            detail: string}} direction: "hard", "easy" or "both" when a signal flags it; detail: how far to trust
 *            the verdict
 */
export function oodSignals(model, code, image, items) {
  const position = oodHint(model, code.mu);
  // A code from Python (remote.js) comes with its BCE: the page cannot decode that model by itself.
  const bce = code.bce ?? reconstructionBce(model.net.decode(code.mu), image);
  const signals = [ranked("recon", "reconstruction error", bce, model.testBceQuantiles, items,
    (r) => `BCE ${bce.toFixed(0)} nats/image: higher than ${fmt(r)}% of test ${items}`, "hard")];
  if (code.sigma) {
    const centre = model.meta.novelty?.typicality_centre_nats_per_image;
    const bound = bce + klNats(code.mu, code.sigma);
    const off = centre === undefined ? NaN : Math.abs(bound - centre);
    const direction = bound > centre ? "hard" : "easy";
    signals.push(ranked("typicality", "typicality", off, centre === undefined ? null : model.testTypicalityQuantiles,
      items, (r) => `BCE + KL ${bound.toFixed(0)} nats/image, ${off.toFixed(0)} ${bound > centre ? "above" : "below"} `
        + `the test mean ${centre.toFixed(0)}: farther off than ${fmt(r)}% of test ${items}`
        + (r >= RANK_RARE ? ` (${EXPLAIN[direction]})` : ""), direction));
  }
  const measured = signals.filter((s) => s.level !== "unmeasured");
  const worst = ["unusual", "rare"].find((level) => measured.some((s) => s.level === level));
  let text;
  let direction = null; // which way the flagging signals say it is unusual: "hard", "easy" or "both"
  if (!measured.length) text = "not measured: this bundle has no test-error distribution (re-run aevae analyze)";
  else if (worst) {
    const flagging = measured.filter((s) => s.level === worst);
    const flags = flagging.map((s) => s.name).join(" and ");
    const ways = new Set(flagging.map((s) => s.direction));
    direction = ways.size > 1 ? "both" : [...ways][0];
    const way = direction === "both" ? `${EXPLAIN.hard} by one signal, ${EXPLAIN.easy} by the other`
      : EXPLAIN[direction];
    text = `${worst}, ${way}: ${flags} beyond ${worst === "unusual" ? 99 : 95}% of test ${items}`;
  } else text = `no signal separates it from test ${items}`;
  const level = measured.length ? worst || "typical" : "unmeasured";
  const easy = direction === "easy" ? " Too easy to explain means simpler than most test " + items + " (fewer "
    + "nats than theirs: a single stroke, a nearly blank image), not a shape the model never learned." : "";
  const detail = {
    typical: "Neither error signal flags it. Even the reconstruction error, the best of these signals, lets some "
      + `unusual inputs pass as ${items} (docs/explorer.md: how well the signals separate unusual inputs).`,
    rare: `About 1 in 20 test ${items} is flagged like this too.${easy}`,
    unusual: `About 1 in 100 test ${items} is flagged like this too.${easy}`,
    unmeasured: "The bundle was made before the test-error distributions were stored.",
  }[level];
  return { code: position, signals, level, direction, text, detail };
}

// How each direction reads: the model needs more nats for the input than for its test images, or fewer.
const EXPLAIN = { hard: "too hard to explain", easy: "too easy to explain" };

/** A signal ranked among the test images' values (quantiles 0, 0.1, …, 100); "unmeasured" without them.
 * `direction`: which way a high rank says the input is unusual ("hard" or "easy" to explain). */
function ranked(key, name, value, quantiles, items, describe, direction) {
  if (!quantiles || !Number.isFinite(value)) {
    return { key, name, level: "unmeasured", text: `not measured for this model (no test ${items} stored)` };
  }
  const rank = rankIn(quantiles, value);
  const level = rank >= RANK_UNUSUAL ? "unusual" : rank >= RANK_RARE ? "rare" : "typical";
  return { key, name, level, value, rank, direction, text: describe(rank) };
}

/** Percentile (0–100) of `value` among stored evenly spaced percentiles `q` (q[0] = 0th, q[last] = 100th). */
export function rankIn(q, value) {
  const last = q.length - 1;
  if (value <= q[0]) return 0;
  if (value >= q[last]) return 100;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (q[mid] < value) lo = mid;
    else hi = mid;
  }
  const span = q[hi] - q[lo];
  return (100 * (lo + (span > 0 ? (value - q[lo]) / span : 0.5))) / last;
}

/** Bernoulli negative log-likelihood of `image` under decoded probabilities `p`, nats summed over pixels. */
export function reconstructionBce(p, image) {
  let sum = 0;
  for (let i = 0; i < image.length; i++) {
    const q = Math.min(Math.max(p[i], P_MIN), 1 - P_MIN);
    sum -= image[i] * Math.log(q) + (1 - image[i]) * Math.log(1 - q);
  }
  return sum;
}

/** KL(N(mu, sigma²) || N(0, I)) in nats, summed over dimensions (Kingma & Welling 2014, appendix B). */
function klNats(mu, sigma) {
  let sum = 0;
  for (let j = 0; j < mu.length; j++) sum += 0.5 * (mu[j] ** 2 + sigma[j] ** 2 - 1 - 2 * Math.log(sigma[j]));
  return sum;
}

/** A percentile for text: "98.7", "99.93", "52". */
function fmt(p) {
  return p >= 99.9 ? p.toFixed(2) : p >= 90 ? p.toFixed(1) : p.toFixed(0);
}
