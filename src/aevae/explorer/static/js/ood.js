// The out-of-distribution hint: where each latent value of an input falls among the training values of its
// dimension (its percentile), and a verdict from the most extreme dimension.

import { percentile } from "./latent.js";

export const RARE_TAIL = 5; // percent in the nearer tail below which a value is rare
export const UNUSUAL_TAIL = 1; // ... and unusual

/**
 * The hint for latent `mu` of a model: per-dimension percentiles and a verdict.
 * @returns {{percentiles: number[], tail: number, level: "typical"|"rare"|"unusual"|"outside", text: string}}
 */
export function oodHint(model, mu) {
  const percentiles = Array.from(mu, (v, j) => percentile(model, j, v));
  const tails = percentiles.map((p) => Math.min(p, 100 - p));
  const tail = Math.min(...tails);
  const dim = tails.indexOf(tail);
  const where = `z${dim + 1} at the ${ordinal(percentiles[dim])} percentile`;
  if (tail === 0) return { percentiles, tail, level: "outside", text: `outside every training value (z${dim + 1})` };
  if (tail < UNUSUAL_TAIL) return { percentiles, tail, level: "unusual", text: `unusual: ${where}` };
  if (tail < RARE_TAIL) return { percentiles, tail, level: "rare", text: `rare: ${where}` };
  return { percentiles, tail, level: "typical", text: "typical of the training data" };
}

function ordinal(p) {
  const text = p < 1 || p > 99 ? p.toFixed(1) : String(Math.round(p));
  const last = text.endsWith(".0") ? text.slice(0, -2) : text;
  const n = Number(last);
  if (!Number.isInteger(n)) return `${last}th`;
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ["th", "st", "nd", "rd"][n % 10] || "th";
  return `${last}${suffix}`;
}
