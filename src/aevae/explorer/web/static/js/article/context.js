// What every figure of the article shares: the two models (from the bundle), the gallery, the input the figures
// show (one choice for Figures 1–3) and the VAE's noise draw ε (shared by Figures 2 and 3, so "Sample" in one moves
// the other), on the explorer's small publish/subscribe state. Topics: "input", "eps".

import { SLOTS } from "../bundle.js";
import { axisRanges, gaussian } from "../latent.js";
import { createState } from "../state.js";
import { esc } from "./format.js";

/** The article's shared context for a loaded bundle. */
export function createContext(bundle) {
  const models = {};
  for (const slot of SLOTS) models[slot] = { ...bundle.models[slot], ranges: axisRanges(bundle.models[slot]) };
  const first = Math.max(0, bundle.gallery.findIndex((item) => item.kind === "test"));
  const state = createState({ input: first, eps: drawEps(models.vae.meta.latent_dim) });
  const ctx = {
    bundle,
    models,
    gallery: bundle.gallery,
    companions: bundle.meta.companions || {},
    state,
    image: () => bundle.gallery[state.input].image,
    setInput(i) {
      state.input = i;
      state.emit("input");
    },
    resample() {
      state.eps = drawEps(models.vae.meta.latent_dim);
      state.emit("eps");
    },
  };
  return ctx;
}

/** A fresh ε ~ N(0, I) of `d` values. */
export function drawEps(d) {
  return Float64Array.from({ length: d }, gaussian);
}

/** A labelled <select> of the gallery's inputs, bound both ways to the shared input. */
export function inputPicker(ctx, id) {
  const wrap = document.createElement("label");
  wrap.className = "pick";
  wrap.htmlFor = id;
  wrap.textContent = "Input ";
  const select = document.createElement("select");
  select.id = id;
  select.className = "input-pick";
  select.innerHTML = ctx.gallery.map((item, i) => `<option value="${i}">${esc(item.name)}</option>`).join("");
  select.value = String(ctx.state.input);
  select.addEventListener("change", () => ctx.setInput(Number(select.value)));
  ctx.state.on("input", () => {
    select.value = String(ctx.state.input);
  });
  wrap.appendChild(select);
  return wrap;
}
