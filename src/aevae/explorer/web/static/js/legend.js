// The PCA maps' legend: what the training points are coloured by, and a swatch per value in the maps' colours.
// Where the data set has known factors (the sprites) a menu switches between the class and each factor; an ordered
// factor (scale, orientation, position) is shown as its ramp from the first value to the last. Two models trained on
// different data sets (their classes differ) get a row each, so no map is read with the other's labels.

import { setColourBy } from "./actions.js";
import { colourings, currentColouring, levelColour } from "./colouring.js";

/**
 * @param {HTMLElement} el container
 * @param {object} state the shared state (reads models, active and colourBy; sets colourBy)
 */
export function createLegend(el, state) {
  const options = () => colourings(state.models[state.active]);

  function render() {
    el.replaceChildren();
    const all = options();
    const colouring = currentColouring(state, state.models[state.active]);
    if (all.length > 1) {
      const label = document.createElement("label");
      label.className = "colour-by";
      label.textContent = "Colour points by ";
      const select = document.createElement("select");
      for (const c of all) select.add(new Option(c.name, c.id, false, c.id === colouring.id));
      select.addEventListener("change", () => setColourBy(state, select.value));
      label.appendChild(select);
      el.appendChild(label);
    }
    if (colouring.ordered) {
      const ramp = document.createElement("span");
      ramp.className = "legend-ramp";
      const stops = colouring.levels.map((_, k) => levelColour(colouring, k));
      ramp.innerHTML = `<span>${colouring.name} ${colouring.levels[0]}</span><span class="ramp-bar"
        style="background: linear-gradient(to right, ${stops.join(", ")})"></span>
        <span>${colouring.levels[colouring.levels.length - 1]}</span>`;
      el.appendChild(ramp);
      return;
    }
    const other = state.models[state.active === "ae" ? "vae" : "ae"];
    const otherColouring = currentColouring(state, other);
    if (otherColouring.ordered || sameLevels(colouring, otherColouring)) {
      swatches(el, colouring);
      return;
    }
    // Models trained on different data sets: each map is coloured by its own classes, so each gets its own key.
    for (const slot of ["ae", "vae"]) {
      const row = document.createElement("div");
      row.className = "legend-row";
      row.dataset.slot = slot;
      const model = state.models[slot];
      const name = document.createElement("span");
      name.className = "legend-model";
      name.textContent = `${model.meta.kind.toUpperCase()} (${model.meta.data}):`;
      row.appendChild(name);
      swatches(row, slot === state.active ? colouring : otherColouring);
      el.appendChild(row);
    }
  }

  function swatches(target, colouring) {
    colouring.levels.forEach((name, k) => {
      const item = document.createElement("span");
      item.className = "legend-item";
      item.style.setProperty("--colour", levelColour(colouring, k));
      item.textContent = name;
      target.appendChild(item);
    });
  }
  const sameLevels = (a, b) => a.levels.length === b.levels.length && a.levels.every((v, k) => v === b.levels[k]);
  state.on("colourby", render);
  state.on("active", render);
  render();
  return { el };
}
