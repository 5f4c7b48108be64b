// The selected inputs, each with its colour, a snap button and its out-of-distribution hint: where its latent
// values fall among the training values of each dimension of the shown model (see ood.js).

import { snapTo, toggleInput } from "./actions.js";
import { imageCanvas } from "./images.js";
import { oodHint } from "./ood.js";

const TAIL = 2.5; // percent: a value this far into either tail of its violin is highlighted

/**
 * @param {HTMLElement} el container
 * @param {object} state the shared state
 */
export function createInputList(el, state) {
  function render() {
    el.replaceChildren();
    const selected = state.inputs.filter((i) => i.selected);
    if (!selected.length) {
      el.innerHTML = `<p class="hint">Select inputs on the left to draw their lines.</p>`;
      return;
    }
    const model = state.models[state.active];
    for (const input of selected) {
      const hint = oodHint(model, input.codes[state.active].mu);
      const row = document.createElement("div");
      row.className = "input-row";
      row.dataset.input = input.id;
      row.dataset.level = hint.level;
      row.style.setProperty("--colour", input.colour);
      row.innerHTML = `
        <span class="swatch"></span>
        <span class="input-name"></span>
        <span class="percentiles" title="percentile of each latent value among the training data"></span>
        <span class="verdict"></span>
        <button type="button" class="snap" title="move the black line to this input">snap</button>
        <button type="button" class="remove" title="deselect">×</button>`;
      row.querySelector(".swatch").appendChild(imageCanvas(input.image, state.invert, "swatch-canvas"));
      row.querySelector(".input-name").textContent = input.name;
      for (const [j, p] of hint.percentiles.entries()) {
        const chip = document.createElement("span");
        chip.className = Math.min(p, 100 - p) < TAIL ? "pct tail" : "pct";
        chip.textContent = `z${j + 1} ${p < 1 || p > 99 ? p.toFixed(1) : p.toFixed(0)}%`;
        row.querySelector(".percentiles").appendChild(chip);
      }
      const verdict = row.querySelector(".verdict");
      verdict.textContent = hint.text;
      verdict.title = `${(100 * hint.chance).toFixed(1)}% of training images have some latent value at least as far `
        + "into a tail of its violin as this input's most extreme one";
      row.querySelector(".snap").addEventListener("click", () => snapTo(state, input));
      row.querySelector(".remove").addEventListener("click", () => toggleInput(state, input));
      el.appendChild(row);
    }
  }
  for (const topic of ["inputs", "active", "invert"]) state.on(topic, render);
  render();
  return { el };
}
