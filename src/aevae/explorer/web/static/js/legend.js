// The PCA maps' legend: what the training points are coloured by, and a swatch per value in the maps' colours.
// Where the data set has known factors (the sprites) a menu switches between the class and each factor; an ordered
// factor (scale, orientation, position) is shown as its ramp from the first value to the last.

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
    colouring.levels.forEach((name, k) => {
      const item = document.createElement("span");
      item.className = "legend-item";
      item.style.setProperty("--colour", levelColour(colouring, k));
      item.textContent = name;
      el.appendChild(item);
    });
  }
  state.on("colourby", render);
  state.on("active", render);
  render();
  return { el };
}
