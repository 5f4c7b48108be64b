// The notebook widget's front end (anywidget: one module whose default export has render({model, el})). It mounts
// the explorer of explorer.js on the bundle the kernel sends and keeps the page and the widget's traits in step,
// both ways (aevae.explorer.widget.Explorer documents them):
//   latent    the shown model's reconstruction line       _latents  both models' lines, {ae: [...], vae: [...]}
//   show_ae   the "Show AE" switch                        selected  indices in `inputs` of the selected inputs
//   inputs    names of every input, drawings and uploads made in the page included (only the page writes it)
//   fit_axes  the parallel plot's "Fit axes to the shown model only" switch
//   member    the family's model in the VAE's place (the slider; null: the VAE's own)
// The kernel validates and clamps what Python sets, so the page applies the values it receives as they are. A model
// only Python can run (your own, see remote.js) is decoded by the kernel, through custom messages.

import { setActive, setFit, setLatent, setMember, toggleInput } from "./web/static/js/actions.js";
import { SLOTS } from "./web/static/js/bundle.js";
import { loadBundle, mount } from "./web/static/js/explorer.js";
import { splitImages } from "./web/static/js/remote.js";

const TRAITS = ["latent", "_latents", "show_ae", "selected", "fit_axes", "member"]; // what the kernel may change

/**
 * Render the explorer for an anywidget model into `el`; returns the clean-up anywidget calls when the view goes.
 * @param {{model: {get, set, on, off, save_changes}, el: HTMLElement}} context
 */
function render({ model, el }) {
  const kernel = kernelTransport(model);
  const bundle = loadBundle(bytesOf(model.get("_bundle")), { transport: kernel.transport });
  const { state, destroy } = mount(el, bundle, {
    active: model.get("show_ae") ? "ae" : "vae",
    select: model.get("selected"),
  });
  // Each side's own changes come back as events (the page's actions as state topics, model.set as "change:"
  // events); `busy` stops them from being sent back to where they came from.
  let busy = false;

  function pull() {
    if (busy) return;
    busy = true;
    try {
      if (state.family && (model.get("member") ?? null) !== state.member) setMember(state, model.get("member") ?? null);
      setActive(state, model.get("show_ae") ? "ae" : "vae");
      if (state.fit !== Boolean(model.get("fit_axes"))) setFit(state, Boolean(model.get("fit_axes")));
      const wanted = new Set(model.get("selected"));
      state.inputs.forEach((input, i) => {
        if (input.selected !== wanted.has(i)) toggleInput(state, input);
      });
      const lines = { ...model.get("_latents"), [state.active]: model.get("latent") };
      for (const slot of SLOTS) {
        if (lines[slot] && !sameValues(lines[slot], state.latent[slot])) setLatent(state, slot, lines[slot], "kernel");
      }
    } finally {
      busy = false;
    }
  }

  function push() {
    if (busy) return;
    busy = true;
    try {
      if (state.family) model.set("member", state.member);
      model.set("show_ae", state.active === "ae");
      model.set("fit_axes", state.fit);
      model.set("latent", Array.from(state.latent[state.active]));
      model.set("_latents", Object.fromEntries(SLOTS.map((slot) => [slot, Array.from(state.latent[slot])])));
      model.set("inputs", state.inputs.map((input) => input.name));
      model.set("selected", state.inputs.flatMap((input, i) => (input.selected ? [i] : [])));
      model.save_changes();
    } finally {
      busy = false;
    }
  }

  pull(); // the kernel's lines, which may have been set from Python before this view existed
  const unsubscribe = ["latent", "active", "inputs", "axes", "model"].map((topic) => state.on(topic, push));
  for (const name of TRAITS) model.on(`change:${name}`, pull);
  return () => {
    for (const name of TRAITS) model.off(`change:${name}`, pull);
    for (const off of unsubscribe) off();
    kernel.close();
    destroy();
  };
}

/**
 * Decoding by the kernel: each request a custom message {type: "decode", id, slot, latents}; the kernel answers
 * {type: "decoded", id, shape} with the float32 pixels as its one buffer, or {type: "decoded", id, error}.
 */
function kernelTransport(model) {
  const waiting = new Map(); // id -> {resolve, reject, count}
  let next = 0;
  const onMessage = (message, buffers) => {
    const job = message?.type === "decoded" ? waiting.get(message.id) : undefined;
    if (!job) return;
    waiting.delete(message.id);
    if (message.error) job.reject(new Error(message.error));
    else job.resolve(splitImages(new Float32Array(bytesOf(buffers[0]).slice().buffer), job.count));
  };
  model.on("msg:custom", onMessage);
  return {
    transport: (slot, latents) => new Promise((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve, reject, count: latents.length });
      model.send({ type: "decode", id, slot, latents: latents.map((z) => Array.from(z)) });
    }),
    close: () => model.off("msg:custom", onMessage),
  };
}

/** A binary trait's value (DataView from ipywidgets, or any buffer) as a Uint8Array over the same bytes. */
function bytesOf(value) {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new Error("the widget's bundle did not arrive as bytes");
}

function sameValues(a, b) {
  return a.length === b.length && Array.prototype.every.call(a, (v, i) => v === b[i]);
}

export default { render };
