// What the views do to the shared state, in one place: select inputs, add drawings, move the reconstruction
// lines, draw samples, switch models and scales. Each action updates the state and emits the topics the views
// listen to. `state.origin[slot]` says what a model's line holds: {kind: "mu", input}, {kind: "sample", input,
// index, count} or {kind: "line"} (dragged, random, set from a map or the kernel).

import { SLOTS } from "./bundle.js";
import { clampToAxes, gaussian, sampleCode } from "./latent.js";
import { selectionColour } from "./palette.js";

const encoded = new WeakMap(); // network -> WeakMap(image -> its code): a family's slider comes back to models

/** An image's code ({mu, sigma}) in `model`, encoded once per model and image (an image is never changed in place:
 * a drawing that gains a stroke is a new image). */
export function codeIn(model, image) {
  if (!encoded.has(model.net)) encoded.set(model.net, new WeakMap());
  const codes = encoded.get(model.net);
  if (!codes.has(image)) codes.set(image, model.net.encode(image));
  return codes.get(image);
}

/** The input's codes in every model ({slot: {mu, sigma}}), encoded in the browser on first use. */
function codesOf(state, input) {
  if (!input.codes) {
    input.codes = {};
    for (const slot of SLOTS) input.codes[slot] = codeIn(state.models[slot], input.image);
  }
  return input.codes;
}

/** Select or deselect an input; a selected input gets the first colour no other selected input has. */
export function toggleInput(state, input) {
  if (input.selected) {
    input.selected = false;
    input.colour = null;
    if (state.focus === input) state.focus = null;
    if (state.hover === input) state.hover = null;
    dropSamples(state, input);
  } else {
    codesOf(state, input);
    const used = new Set(state.inputs.filter((i) => i.selected).map((i) => i.colour));
    let k = 0;
    while (used.has(selectionColour(k)) && k < used.size) k++;
    input.colour = selectionColour(k);
    input.selected = true;
  }
  state.emit("inputs");
  state.emit("focus");
}

/** Add an image (Float32Array, the models' layout, in [0, 1]) as a new selected input; returns it. `codes`: its
 * codes where they were found elsewhere ({slot: {mu, sigma, bce}}, from Python for a model the page cannot run);
 * null: encoded here. */
export function addInput(state, image, name, kind, codes = null) {
  const input = { id: `u${state.inputs.length}`, name, label: name, kind, image, selected: false, colour: null, codes };
  state.inputs.push(input);
  toggleInput(state, input);
  return input;
}

/** Highlight an input's line and its row (the pointer is over one of them, or the keyboard on its snap button);
 * null highlights none. */
export function setHover(state, input) {
  if (state.hover === input) return;
  state.hover = input;
  state.emit("hover");
}

/** Replace an input's image (a drawing that gained a stroke) and redraw everything that shows it; `codes` as
 * addInput takes them. */
export function updateInput(state, input, image, codes = null) {
  input.image = image;
  input.codes = codes;
  codesOf(state, input);
  dropSamples(state, input);
  state.emit("inputs");
  state.emit("focus");
}

/** Move a model's reconstruction line to `z` (clamped to its axes); `source` says who moved it, `origin` what the
 * line now holds (see above). */
export function setLatent(state, slot, z, source, origin = { kind: "line" }) {
  state.latent[slot] = clampToAxes(z, state.models[slot].ranges);
  state.origin[slot] = origin;
  state.emit("latent", { slot, source });
}

/** Change one value of a model's reconstruction line (a dragged point). */
export function setLatentValue(state, slot, dim, value, source = "drag") {
  const [lo, hi] = state.models[slot].ranges[dim];
  state.latent[slot][dim] = Math.min(Math.max(value, lo), hi);
  state.origin[slot] = { kind: "line" };
  state.emit("latent", { slot, source, dim });
}

/** Snap both models' reconstruction lines to an input's codes, so both outputs show that input side by side. */
export function snapTo(state, input) {
  const codes = codesOf(state, input);
  state.focus = input;
  state.samples = null;
  for (const slot of SLOTS) setLatent(state, slot, codes[slot].mu, "snap", { kind: "mu", input });
  state.emit("samples");
  state.emit("focus");
}

/**
 * The VAE as a generative model: draw `count` codes z ~ q(z|x) for the focused input (or the first selected one)
 * and move the VAE's line to the first. Only a variational model has a q(z|x) to sample; returns the draws, or
 * null when there is no input or the VAE is not variational.
 */
export function sampleInput(state, count = 5) {
  const slot = "vae";
  const input = state.focus || state.inputs.find((i) => i.selected);
  if (!input || !state.models[slot].meta.variational) return null;
  const code = codesOf(state, input)[slot];
  if (!code.sigma) return null;
  const draws = Array.from({ length: count }, () => clampToAxes(sampleCode(code), state.models[slot].ranges));
  state.samples = { slot, input, draws };
  state.emit("samples");
  showSample(state, 0);
  return draws;
}

// Samples of an input that changed or went away no longer describe anything on the page.
function dropSamples(state, input) {
  if (state.samples?.input !== input) return;
  state.samples = null;
  state.emit("samples");
}

/** Move the VAE's line to the `index`-th of the samples drawn last. */
export function showSample(state, index) {
  const { slot, input, draws } = state.samples;
  setLatent(state, slot, draws[index], "sample", { kind: "sample", input, index, count: draws.length });
}

/**
 * Set the shown model's line from a random draw, not clipped to the axes (a value beyond an axis is drawn at its
 * end): from the prior N(0, I) for a VAE; for an AE, which has none, from the spread of its own codes, N(mean,
 * std²) per dimension.
 */
export function randomLatent(state) {
  const slot = state.active;
  const model = state.models[slot];
  const std = model.meta.organisation?.per_dim_std;
  const z = model.meta.variational || !std ? Float64Array.from({ length: model.meta.latent_dim }, gaussian)
    : Float64Array.from({ length: model.meta.latent_dim }, (_, j) => model.pcaMean[j] + std[j] * gaussian());
  state.latent[slot] = z;
  state.origin[slot] = { kind: "line" };
  state.emit("latent", { slot, source: "random" });
}

/** Show the AE ("ae") or the VAE ("vae"): lines, violins and output switch to it. */
export function setActive(state, slot) {
  if (state.active === slot) return;
  state.active = slot;
  state.emit("active");
}

/** Fit the parallel plot's axes to the shown model only (true) or span both models (false). */
export function setFit(state, fit) {
  state.fit = fit;
  state.emit("axes");
}

/** Draw every axis of the parallel plot in the same latent units (true) or each fitted to its dimension. */
export function setCommonScale(state, common) {
  state.commonScale = common;
  state.emit("axes");
}

/**
 * Draw the dimensions `dims` (in this order) as the axes of `slot`'s plot; null goes back to the default for the
 * plot's width (dims.js).
 */
export function setDrawnAxes(state, slot, dims) {
  state.drawn[slot] = dims && [...dims];
  state.drawnBy[slot] = Boolean(dims);
  state.emit("axes");
}

/** Draw both PCA maps to one scale ("shared") or each fitted to its own points ("each"). */
export function setMapScale(state, scale) {
  state.mapScale = scale;
  state.emit("mapscale");
}

/** Show images inverted (black ink on white) or as the network sees them (bright ink on black). */
export function setInvert(state, invert) {
  state.invert = invert;
  state.emit("invert");
}

/** Colour the training points (PCA maps, legend, violins) by "class" or by a known factor ("factor:NAME"). */
export function setColourBy(state, id) {
  state.colourBy = id;
  state.emit("colourby");
}

/**
 * Show the family's `index`-th model in the VAE's place (the slider; null: the VAE's own model again): every
 * selected input is re-encoded by it, the black line follows the input it was snapped to (a free line keeps its
 * values, on as many axes as the model has), and every view redraws for it ("model", then "latent" and "active"). Selections and drawings stay.
 */
export function setMember(state, index) {
  const family = state.family;
  if (!family || index === state.member || (index !== null && !family.members[index])) return;
  const slot = "vae";
  const model = index === null ? family.own : family.members[index];
  state.member = index;
  state.models[slot] = model;
  state.active = slot; // the slider moves the VAE's place: show it
  for (const input of state.inputs) if (input.codes) input.codes[slot] = codeIn(model, input.image);
  const dropped = state.samples?.slot === slot;
  if (dropped) state.samples = null;
  const origin = state.origin[slot] || { kind: "line" };
  const z = origin.kind === "mu" && origin.input.codes
    ? origin.input.codes[slot].mu
    : Float64Array.from({ length: model.meta.latent_dim }, (_, j) => state.latent[slot][j] ?? model.pcaMean[j]);
  state.latent[slot] = clampToAxes(z, model.ranges);
  state.origin[slot] = origin.kind === "mu" ? origin : { kind: "line" };
  if (!state.drawnBy[slot] || state.drawn[slot]?.some((j) => j >= model.meta.latent_dim)) { // its own most used axes
    [state.drawn[slot], state.drawnBy[slot]] = [null, false];
  }
  state.emit("model", { slot });
  state.emit("latent", { slot, source: "member" });
  if (dropped) state.emit("samples");
  state.emit("active"); // the lines, violins, list and panels redraw for the shown model (the gallery needs not)
}
