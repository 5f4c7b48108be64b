// The selected inputs, each with its colour, a snap button and its out-of-distribution signals for the shown model
// (see ood.js): a summary that names the signal that flags it (or says that none does), then each signal's detail.
// Pointing at a row (or tabbing to its buttons) highlights the input's line in the plot, and the other way round.

import { setHover, snapTo, toggleInput } from "./actions.js";
import { itemNoun } from "./dataset.js";
import { imageCanvas } from "./images.js";
import { oodSignalsOf } from "./ood.js";

const TAIL = 2.5; // percent: a latent value this far into either tail of its violin is highlighted

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
    const items = itemNoun(model.meta).many;
    for (const input of selected) {
      const ood = oodSignalsOf(model, input.codes[state.active], input.image, items);
      const row = document.createElement("div");
      row.className = "input-row";
      row.dataset.input = input.id;
      row.dataset.level = ood.level;
      if (ood.direction) row.dataset.direction = ood.direction;
      row.style.setProperty("--colour", input.colour);
      row.innerHTML = `
        <span class="swatch"></span>
        <span class="input-name"></span>
        <span class="verdict"></span>
        <button type="button" class="snap">snap</button>
        <button type="button" class="remove">×</button>
        <ul class="signals"></ul>`;
      row.querySelector(".swatch").appendChild(swatch(input.image, state.invert));
      row.querySelector(".input-name").textContent = input.name;
      row.querySelector(".input-name").title = input.name;
      row.querySelector(".verdict").textContent = ood.text;
      row.querySelector(".verdict").title = ood.detail;
      row.querySelector(".snap").title = `move the black line to ${input.name}`;
      row.querySelector(".snap").setAttribute("aria-label", `snap the line to ${input.name}`);
      row.querySelector(".remove").title = `deselect ${input.name}`;
      row.querySelector(".remove").setAttribute("aria-label", `deselect ${input.name}`);
      const list = row.querySelector(".signals");
      for (const signal of ood.signals) list.appendChild(signalItem(signal.key, signal.level, signal.name, signal.text));
      const position = signalItem("code", ood.code.level, "code position", ood.code.text);
      position.title = `${(100 * ood.code.chance).toFixed(1)}% of training images have some latent value at least `
        + "as far into a tail of its violin as this input's most extreme one. Where a code lies says little about "
        + "the image: an encoder maps even a shape it never saw onto ordinary codes.";
      const chips = document.createElement("span");
      chips.className = "percentiles";
      chips.title = "percentile of each latent value among the training data";
      for (const [j, p] of ood.code.percentiles.entries()) {
        const chip = document.createElement("span");
        chip.className = Math.min(p, 100 - p) < TAIL ? "pct tail" : "pct";
        chip.textContent = `z${j + 1} ${p < 1 || p > 99 ? p.toFixed(1) : p.toFixed(0)}%`;
        chips.appendChild(chip);
      }
      position.appendChild(chips);
      list.appendChild(position);
      row.querySelector(".snap").addEventListener("click", () => snapTo(state, input));
      row.querySelector(".remove").addEventListener("click", () => toggleInput(state, input));
      row.addEventListener("pointerenter", () => setHover(state, input));
      row.addEventListener("pointerleave", () => setHover(state, null));
      row.addEventListener("focusin", () => setHover(state, input));
      row.addEventListener("focusout", () => setHover(state, null));
      el.appendChild(row);
    }
    renderHover();
  }
  function renderHover() {
    for (const row of el.querySelectorAll(".input-row")) row.classList.toggle("hot", row.dataset.input === state.hover?.id);
  }
  for (const topic of ["inputs", "active", "invert"]) state.on(topic, render);
  state.on("hover", renderHover);
  render();
  return { el };
}

const swatches = new WeakMap(); // image -> {invert, canvas}: the rows are rebuilt at every model switch, not the pictures

/** The small picture of an input at the start of its row, drawn once per image and polarity. */
function swatch(image, invert) {
  const known = swatches.get(image);
  if (known?.invert === invert) return known.canvas;
  const canvas = imageCanvas(image, invert, "swatch-canvas");
  swatches.set(image, { invert, canvas });
  return canvas;
}

/** One signal as a list item: its name, its level as a badge colour, and what it found. */
function signalItem(key, level, name, text) {
  const item = document.createElement("li");
  item.className = "signal";
  item.dataset.signal = key;
  item.dataset.level = level;
  const label = document.createElement("b");
  label.textContent = `${name}: `;
  const body = document.createElement("span");
  body.className = "signal-text";
  body.textContent = text;
  item.append(label, body);
  return item;
}
