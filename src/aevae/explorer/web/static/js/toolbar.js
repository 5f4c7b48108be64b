// The toolbar: "Show AE" (switch lines, violins and output to the AE), the Random dice and the invert switch.

import { randomLatent, setActive, setInvert } from "./actions.js";

/**
 * @param {HTMLElement} el container
 * @param {object} state the shared state
 */
export function createToolbar(el, state) {
  el.innerHTML = `
    <label class="switch"><input type="checkbox" class="show-ae"> Show AE</label>
    <button type="button" class="random" title="set the black line from N(0, 1) draws, clipped to the axes">
      <svg class="dice" viewBox="0 0 16 16" aria-hidden="true"><rect x="1" y="1" width="14" height="14" rx="3"/>
        <circle cx="5" cy="5" r="1.4"/><circle cx="8" cy="8" r="1.4"/><circle cx="11" cy="11" r="1.4"/></svg>
      Random</button>
    <label class="switch"><input type="checkbox" class="invert"> Black on white</label>`;
  const showAe = el.querySelector(".show-ae");
  const invert = el.querySelector(".invert");
  showAe.addEventListener("change", () => setActive(state, showAe.checked ? "ae" : "vae"));
  invert.addEventListener("change", () => setInvert(state, invert.checked));
  el.querySelector(".random").addEventListener("click", () => randomLatent(state));
  const sync = () => {
    showAe.checked = state.active === "ae";
    invert.checked = state.invert;
  };
  state.on("active", sync);
  state.on("invert", sync);
  sync();
  return { el };
}
