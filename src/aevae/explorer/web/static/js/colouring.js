// What the PCA maps, their legend and the violins colour the training points by: their class (the data set's
// labels) or, for a data set with known factors (the sprites), the value of one factor. Unordered values (a class,
// a shape, a colour) take the class palette; ordered ones (scale, orientation, position) a sequential ramp, so
// neighbouring values look alike and a smooth gradient across a map reads as "this direction carries the factor".

import { colourOf } from "./palette.js";

// Viridis at five stops (van der Walt & Smith, matplotlib 2015): ordered in lightness and readable with the common
// colour-vision deficiencies.
const RAMP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

/**
 * The colourings a model offers: the class first, then one per known factor.
 * @param {object} model a bundle model (bundle.js)
 * @returns {{id: string, name: string, levels: string[], ordered: boolean, factor: number|null,
 *   value: (i: number) => number}[]} value(i): the level of training point i
 */
export function colourings(model) {
  const out = [{ id: "class", name: "class", levels: model.meta.classes, ordered: false, factor: null,
    value: (i) => model.labels[i] }];
  const known = model.meta.factors;
  if (!known || !model.factors) return out;
  const K = known.factor_names.length;
  known.factor_names.forEach((name, k) => {
    const levels = known.factor_values[k].map(String);
    out.push({ id: `factor:${name}`, name, levels, factor: k,
      ordered: levels.length > 2 && levels.every((v) => v.trim() !== "" && Number.isFinite(Number(v))),
      value: (i) => model.factors[i * K + k] });
  });
  return out;
}

/** The colouring the state asks for (`state.colourBy`, an id), or the class where the model lacks it. */
export function currentColouring(state, model) {
  const all = colourings(model);
  return all.find((c) => c.id === state.colourBy) ?? all[0];
}

/** "#rrggbb" of `level` in `colouring`. */
export function levelColour(colouring, level) {
  if (!colouring.ordered) return colourOf(level);
  const t = colouring.levels.length > 1 ? level / (colouring.levels.length - 1) : 0;
  const at = t * (RAMP.length - 1);
  const k = Math.min(Math.floor(at), RAMP.length - 2);
  const f = at - k;
  const mix = RAMP[k].map((a, c) => Math.round(a + (RAMP[k + 1][c] - a) * f));
  return `#${mix.map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}
