// The input gallery: test images of each class, the out-of-distribution probes and your own drawings and uploads.
// Clicking a thumbnail selects it (it gets a colour and a line) or deselects it. Your own inputs go into their own
// container (`own`, placed below the drawing pad), so that adding one never moves the pad under the pointer. The
// thumbnails come in rows of three: each class's test images together (the gallery holds three per class), the
// probes and your inputs in threes; a narrow gallery wraps whole rows, never splitting a class. Two models trained on
// different data sets each get a section of their own test images, named after their data.

import { toggleInput } from "./actions.js";
import { itemNoun } from "./dataset.js";
import { imageCanvas } from "./images.js";

/**
 * @param {HTMLElement} el container of the test images and probes
 * @param {object} state the shared state
 * @param {{own?: HTMLElement}} options own: container of the drawings and uploads (default: `el` as well)
 */
export function createGallery(el, state, { own = el } = {}) {
  const { ae, vae } = state.models;
  const nouns = [...new Set([ae, vae].map((m) => itemNoun(m.meta).many))];
  const sections = [
    ...testSections(el, state),
    [el, ["probe"], `Probes (not ${nouns.join(" or ")})`],
    [own, ["drawing", "upload"], "Your inputs"],
  ];

  function render() {
    // Re-rendering replaces the buttons: keep the keyboard's place on the thumbnail that had focus.
    const active = el.ownerDocument.activeElement;
    const focused = active?.classList.contains("thumb") ? active.dataset.input : null;
    for (const target of new Set(sections.map(([target]) => target))) target.replaceChildren();
    for (const [target, kinds, title, data] of sections) {
      const items = state.inputs.filter((i) => kinds.includes(i.kind) && (!data || i.data === data));
      if (!items.length) continue;
      const heading = document.createElement("h3");
      heading.textContent = title;
      const grid = document.createElement("div");
      grid.className = "thumbs";
      for (const [label, members] of rowsOfThree(items)) {
        const row = document.createElement("div");
        row.className = "thumb-row";
        if (label !== null) row.dataset.label = label;
        for (const input of members) row.appendChild(thumbnail(input));
        grid.appendChild(row);
      }
      target.append(heading, grid);
    }
    if (focused) (el.querySelector(`[data-input="${focused}"]`) || own.querySelector(`[data-input="${focused}"]`))
      ?.focus({ preventScroll: true });
  }

  function thumbnail(input) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "thumb";
    button.title = input.name;
    button.setAttribute("aria-label", input.name);
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

/**
 * The test images' sections: one, or where the two models were trained on different data sets one per data set,
 * headed with what its items are and which model it trained ("Test digits (mnist, the AE's data)").
 * @returns {[HTMLElement, string[], string, string|null][]} [container, kinds, heading, data set or null for all]
 */
function testSections(el, state) {
  const { ae, vae } = state.models;
  if (vae.meta.own) return [[el, ["test"], "Your images", null]]; // your own model's data
  if (ae.meta.data === vae.meta.data) return [[el, ["test"], `Test ${itemNoun(vae.meta).many}`, null]];
  return [ae, vae].map((model) => [el, ["test"],
    `Test ${itemNoun(model.meta).many} (${model.meta.data}, the ${model.meta.kind.toUpperCase()}'s data)`,
    model.meta.data]);
}

/** The items in rows: [label, items] per class for test images (in their order), else [null, up to three items]. */
function rowsOfThree(items) {
  const rows = [];
  for (const input of items) {
    const last = rows[rows.length - 1];
    const label = input.kind === "test" ? input.label : null;
    if (last && last[0] === label && (label !== null || last[1].length < 3)) last[1].push(input);
    else rows.push([label, [input]]);
  }
  return rows;
}
