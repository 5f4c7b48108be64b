// The toolbar: "Show AE" (colour the AE, grey the VAE; hidden when one model of your own fills both slots), the
// Random dice, "Sample" (draws from the VAE's q(z|x) for
// the current input) and the invert switch.

import { randomLatent, sampleInput, setActive, setInvert } from "./actions.js";

/**
 * @param {HTMLElement} el container
 * @param {object} state the shared state
 */
export function createToolbar(el, state) {
  el.innerHTML = `
    <label class="switch"><input type="checkbox" class="show-ae"> Show AE</label>
    <button type="button" class="random" title="set the black line from a random draw: the prior N(0, I) for a VAE, the codes' own spread for an AE">
      <svg class="dice" viewBox="0 0 16 16" aria-hidden="true"><rect x="1" y="1" width="14" height="14" rx="3"/>
        <circle cx="5" cy="5" r="1.4"/><circle cx="8" cy="8" r="1.4"/><circle cx="11" cy="11" r="1.4"/></svg>
      Random</button>
    <button type="button" class="sample">Sample z ~ q(z|x)</button>
    <label class="switch"><input type="checkbox" class="invert"> Black on white</label>`;
  const showAe = el.querySelector(".show-ae");
  showAe.closest("label").hidden = Boolean(state.models.ae.meta.both_slots); // one model shown in both slots
  const invert = el.querySelector(".invert");
  const sample = el.querySelector(".sample");
  showAe.addEventListener("change", () => setActive(state, showAe.checked ? "ae" : "vae"));
  invert.addEventListener("change", () => setInvert(state, invert.checked));
  el.querySelector(".random").addEventListener("click", () => randomLatent(state));
  sample.addEventListener("click", () => sampleInput(state));
  const sync = () => {
    showAe.checked = state.active === "ae";
    invert.checked = state.invert;
    const input = state.focus || state.inputs.find((i) => i.selected);
    const vae = state.models.vae.meta.variational;
    sample.disabled = state.active !== "vae" || !input || !vae;
    sample.title = !vae || state.active !== "vae"
      ? "the AE is deterministic: only the VAE has a distribution q(z|x) to sample (switch Show AE off)"
      : input ? `decode 5 draws z = μ + σ·ε, ε ~ N(0, I), for ${input.name}` : "select an input first";
  };
  for (const topic of ["active", "invert", "inputs", "focus"]) state.on(topic, sync);
  sync();
  return { el };
}
