// The input gallery: test images of each class, the out-of-distribution probes and your own drawings and uploads.
// Clicking a thumbnail selects it (it gets a colour and a line) or deselects it.

import { toggleInput } from "./actions.js";
import { imageCanvas } from "./images.js";

const SECTIONS = [
  ["test", "Test images"],
  ["probe", "Probes (not digits)"],
  ["drawing", "Your inputs"],
];

/**
 * @param {HTMLElement} el container
 * @param {object} state the shared state
 */
export function createGallery(el, state) {
  function render() {
    el.replaceChildren();
    for (const [kind, title] of SECTIONS) {
      const items = state.inputs.filter((i) => (kind === "drawing" ? ["drawing", "upload"] : [kind]).includes(i.kind));
      if (!items.length) continue;
      const heading = document.createElement("h3");
      heading.textContent = title;
      const grid = document.createElement("div");
      grid.className = "thumbs";
      for (const input of items) grid.appendChild(thumbnail(input));
      el.append(heading, grid);
    }
  }

  function thumbnail(input) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "thumb";
    button.title = input.name;
    button.dataset.input = input.id;
    button.setAttribute("aria-pressed", String(input.selected));
    if (input.selected) button.style.setProperty("--colour", input.colour);
    button.appendChild(imageCanvas(input.image, state.invert, "thumb-canvas"));
    button.addEventListener("click", () => toggleInput(state, input));
    return button;
  }

  state.on("inputs", render);
  state.on("invert", render);
  render();
  return { el };
}
