// The PCA maps' legend: one swatch per class in the maps' colours.

import { colourOf } from "./palette.js";

/**
 * @param {HTMLElement} el container
 * @param {{classes: string[]}} options the class names, index = label
 */
export function createLegend(el, { classes }) {
  el.replaceChildren();
  classes.forEach((name, k) => {
    const item = document.createElement("span");
    item.className = "legend-item";
    item.style.setProperty("--colour", colourOf(k));
    item.textContent = name;
    el.appendChild(item);
  });
  return { el };
}
