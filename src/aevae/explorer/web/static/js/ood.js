// The out-of-distribution hint: where each latent value of an input falls among the training values of its
// dimension (its percentile, from the analysis's stored quantiles), and a verdict from the most extreme one.
//
// With d dimensions, some dimension of an ordinary training image lands in an outer 5 % tail far more often than
// 5 % of the time (1 − 0.9^4 ≈ 34 % for d = 4). The verdict therefore asks how often a training image has *some*
// dimension at least as far out as this input's most extreme one, treating dimensions as independent:
// P = 1 − (1 − 2·tail)^d, with tail the smaller of p and 1 − p for that dimension's percentile p.

import { percentile } from "./latent.js";

const RARE = 0.05; // P below this: rare among training images
const UNUSUAL = 0.01; // ... and unusual

/**
 * The hint for latent `mu` of a model.
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
  const odds = `${(100 * chance).toFixed(chance < 0.01 ? 2 : 0)}% of training images are as extreme`;
  if (tail === 0) return { percentiles, chance, level: "outside", text: `outside all training values (z${dim + 1})` };
  if (chance < UNUSUAL) return { percentiles, chance, level: "unusual", text: `unusual: ${where}; ${odds}` };
  if (chance < RARE) return { percentiles, chance, level: "rare", text: `rare: ${where}; ${odds}` };
  return { percentiles, chance, level: "typical", text: "typical of the training data" };
}

/** "1st", "52nd", "99.7th". */
function ordinal(p) {
  const text = (p < 1 || p > 99 ? p.toFixed(1) : p.toFixed(0)).replace(/\.0$/, "");
  if (text.includes(".")) return `${text}th`;
  const n = Number(text);
  const teen = n % 100 >= 11 && n % 100 <= 13;
  return `${text}${teen ? "th" : ["th", "st", "nd", "rd"][n % 10] || "th"}`;
}
