// The explorer's entry point: mount(el, bundle) builds the whole view inside `el` from an in-memory bundle, with
// no server. The served page, the notebook widget and the static export all call it.
//
//   import { loadBundle, mount } from "./explorer.js";
//   const bundle = loadBundle(await (await fetch("api/bundle")).arrayBuffer());
//   const explorer = mount(document.getElementById("app"), bundle);

import { setLatent, snapTo, toggleInput } from "./actions.js";
import { SLOTS } from "./bundle.js";
import { inputLayout } from "./dataset.js";
import { createDrawPad } from "./drawpad.js";
import { createFactorMatrix } from "./factors.js";
import { createFamilySlider, stopLabel } from "./family.js";
import { createGallery } from "./gallery.js";
import { createInfoPanel } from "./info.js";
import { createInputList } from "./inputs.js";
import { axisRanges } from "./latent.js";
import { createLegend } from "./legend.js";
import { createOutput } from "./output.js";
import { createParallel } from "./parallel.js";
import { createMapScaleSwitch, createPcaMap } from "./pcamap.js";
import { createState } from "./state.js";
import { createToolbar } from "./toolbar.js";
import { createTraversals } from "./traversals.js";
import { createTrainingNotice } from "./training.js";

export { loadBundle } from "./bundle.js";

// `landmark`: the grid's element, "main" or (inside a page's own <main>) "div"; `plot`: the latent panel's id, the
// skip link's target (ids are page-wide: one per view).
const layout = (landmark, plot) => `
  <a class="skip" href="#${plot}">Skip to the latent plot</a>
  <header class="top">
    <h1>aevae <span>touch the latent space</span></h1>
    <div class="toolbar"></div>
    <div class="training-notices" role="status" hidden></div>
  </header>
  <${landmark} class="grid">
    <section class="panel gallery-panel"><h2>Inputs</h2><div class="gallery"></div>
      <h2 class="own-title">Draw or upload</h2><div class="drawpad"></div><div class="own-inputs"></div></section>
    <section class="panel latent-panel" id="${plot}"><h2 class="latent-title"></h2><div class="family" hidden></div>
      <div class="parallel-view" role="group"></div>
      <div class="traversal-view"></div></section>
    <section class="panel selected-panel"><h2>Selected inputs: how unusual is each?</h2><div class="input-list"></div>
      </section>
    <section class="panel output-panel"><h2>Output</h2><div class="output"></div></section>
    <section class="panel info-panel"><h2>Information</h2><div class="info"></div></section>
    <section class="panel maps-panel"><h2>PCA maps: hover to decode, click to move the line</h2>
      <div class="maps"><div class="map" data-slot="ae"></div><div class="map" data-slot="vae"></div></div>
      <div class="legend"></div><div class="map-scale"></div><div class="factor-matrix" hidden></div></section>
  </${landmark}>`;

/**
 * Build the explorer inside `el`.
 * @param {HTMLElement} el
 * @param {ReturnType<import("./bundle.js").loadBundle>} bundle
 * @param {{active?: "ae"|"vae", invert?: boolean, select?: number[], nav?: HTMLElement}} options
 *   active: the model shown first (default "vae"); invert: black ink on white (default true);
 *   select: gallery indices selected at start (default [0]; the line snaps to the first); nav: the page's own
 *   links (the bar to the article), moved in right after the skip link, so that the skip link is the page's first
 *   Tab stop and the bar its second
 * @returns {{state: object, destroy: () => void}} the shared state (see state.js and actions.js) and a teardown
 */
export function mount(el, bundle, options = {}) {
  const { active = "vae", invert = true, select = [0], nav = null } = options;
  el.classList.add("aevae");
  // The view is the page's main content, unless it sits inside a page's own (the article): a page has one <main>.
  const landmark = el.closest("main, [role='main']") ? "div" : "main";
  el.innerHTML = layout(landmark, `aevae-plot-${Math.random().toString(36).slice(2)}`);
  if (nav) el.querySelector(".skip").after(nav);
  const models = {};
  for (const slot of SLOTS) models[slot] = { ...bundle.models[slot], ranges: axisRanges(bundle.models[slot]) };
  const family = bundle.family && {
    ...bundle.family,
    members: bundle.family.members.map((m) => ({ ...m, ranges: axisRanges(m) })),
    own: models.vae, // what the VAE's place holds when no member is shown
  };
  const state = createState({
    models,
    active,
    invert,
    inputs: bundle.gallery.map((item, i) => ({ ...item, id: `g${i}`, selected: false, colour: null, codes: null })),
    latent: Object.fromEntries(SLOTS.map((s) => [s, new Float64Array(models[s].meta.latent_dim)])),
    origin: {},
    focus: null,
    hover: null, // the input whose line and row are highlighted
    fit: false, // the parallel plot's axes span both models
    drawn: { ae: null, vae: null }, // the dimensions each model's plot draws as axes (null: dims.js's default)
    drawnBy: { ae: false, vae: false }, // true where the user picked them (kept when the plot's width changes)
    commonScale: false, // every axis in the same latent units
    mapScale: "shared", // both PCA maps to one scale
    samples: null,
    colourBy: "class", // what the training points are coloured by: "class" or "factor:NAME" (colouring.js)
    family, // models along one axis for the slider (family.js), or null
    member: null, // the family member in the VAE's place; null while it holds its own model
  });
  const part = (selector) => el.querySelector(selector);

  createToolbar(part(".toolbar"), state);
  createTrainingNotice(part(".training-notices"), state);
  createGallery(part(".gallery"), state, { own: part(".own-inputs") });
  // A model only Python runs (remote.js) encodes new inputs only where the page has a server to ask (the served page)
  const encodes = SLOTS.every((slot) => !models[slot].net.remote || models[slot].net.encodeLater);
  if (!encodes) {
    part(".own-title").remove();
    part(".drawpad").remove();
  } else {
    createDrawPad(part(".drawpad"), state);
    if (inputLayout(models.vae.meta).preprocess !== "glyph") part(".own-title").textContent = "Upload";
  }
  createFamilySlider(part(".family"), state);
  createParallel(part(".parallel-view"), state);
  createTraversals(part(".traversal-view"), state);
  createInputList(part(".input-list"), state);
  createOutput(part(".output"), state, { root: el });
  createInfoPanel(part(".info"), state);
  const one = Boolean(models.ae.meta.both_slots); // one model in both slots: one map, no scale switch
  for (const slot of SLOTS) {
    if (one && slot !== active) part(`.map[data-slot="${slot}"]`).remove();
    else createPcaMap(part(`.map[data-slot="${slot}"]`), state, { slot });
  }
  createLegend(part(".legend"), state);
  createFactorMatrix(part(".factor-matrix"), state);
  if (!one) createMapScaleSwitch(part(".map-scale"), state);

  const title = () => {
    const m = state.models[state.active].meta;
    const heading = part(".latent-title");
    heading.textContent = `${m.kind.toUpperCase()} latent space (d = ${m.latent_dim}`;
    if (state.member !== null && state.active === "vae") { // the family's stop, in its own case (β, not Β)
      heading.append(Object.assign(document.createElement("span"), {
        className: "latent-stop", textContent: `, ${stopLabel(family, family.values[state.member])}` }));
    }
    heading.append(`, ${m.data}): drag the black line`);
    part(".parallel-view").setAttribute("aria-label", `${m.kind.toUpperCase()} latent values as parallel `
      + "coordinates: Tab to a handle of the black line, then the arrow keys move it");
  };
  state.on("active", title);
  title();

  part(".skip").addEventListener("click", (event) => { // the plot's first handle, past the gallery's buttons
    event.preventDefault();
    part(".handle")?.focus();
  });

  const first = select.map((i) => state.inputs[i]).filter(Boolean);
  for (const input of first) toggleInput(state, input);
  if (first.length) snapTo(state, first[0]);
  else for (const slot of SLOTS) setLatent(state, slot, models[slot].pcaMean, "start");

  return {
    state,
    destroy: () => {
      el.replaceChildren();
      el.classList.remove("aevae");
    },
  };
}
