// The output: the shown model's decoding of its reconstruction line, drawn large with crisp pixels, and below it
// the focused input beside both models' outputs (AE and VAE side by side). Decoding runs here, in the browser,
// on every move of a line; each finished drawing is announced with an "aevae:output" event on the root element.

import { SLOTS } from "./bundle.js";
import { drawImage } from "./images.js";
import { formatValue } from "./svg.js";

/**
 * @param {HTMLElement} el container
 * @param {object} state the shared state
 * @param {{root: HTMLElement}} options root: the element that receives "aevae:output" events
 */
export function createOutput(el, state, { root }) {
  el.innerHTML = `
    <div class="output-main">
      <canvas class="output-canvas" width="32" height="32" aria-label="decoded output"></canvas>
      <div class="output-caption"></div>
    </div>
    <div class="compare">
      <figure data-slot="input"><canvas class="compare-canvas"></canvas><figcaption>input</figcaption></figure>
      <figure data-slot="ae"><canvas class="compare-canvas"></canvas><figcaption>AE</figcaption></figure>
      <figure data-slot="vae"><canvas class="compare-canvas"></canvas><figcaption>VAE</figcaption></figure>
    </div>`;
  const main = el.querySelector(".output-canvas");
  const caption = el.querySelector(".output-caption");
  const compare = Object.fromEntries(
    ["input", ...SLOTS].map((k) => [k, el.querySelector(`figure[data-slot="${k}"]`)]),
  );
  const images = {}; // slot -> last decoded image
  let drawn = 0; // drawings so far, exposed as data-drawn for tests and benchmarks

  function decode(slot) {
    images[slot] = state.models[slot].net.decode(state.latent[slot]);
  }

  // Draw what `changed` (a slot) alters: its compare image and, when it is the shown model, the big output.
  function render(changed) {
    const slot = state.active;
    if (changed === slot) {
      drawImage(main, images[slot], state.invert);
      main.dataset.drawn = String(++drawn);
      const name = state.models[slot].meta.kind.toUpperCase();
      caption.textContent = `${name} output of z = (${Array.from(state.latent[slot], formatValue).join(", ")})`;
    }
    drawImage(compare[changed].querySelector("canvas"), images[changed], state.invert);
    root.dispatchEvent(new CustomEvent("aevae:output", {
      detail: { slot: changed, latent: Array.from(state.latent[changed]), image: images[changed] },
    }));
  }

  function renderAll() {
    for (const s of SLOTS) {
      compare[s].classList.toggle("inactive", s !== state.active);
      compare[s].querySelector("figcaption").textContent = state.models[s].meta.kind.toUpperCase();
      if (s !== state.active) render(s);
    }
    render(state.active);
  }

  function renderFocus() {
    const figure = compare.input;
    figure.hidden = !state.focus;
    if (state.focus) {
      drawImage(figure.querySelector("canvas"), state.focus.image, state.invert);
      figure.querySelector("figcaption").textContent = state.focus.name;
      figure.style.setProperty("--colour", state.focus.colour || "transparent");
    }
  }

  state.on("latent", ({ slot }) => {
    decode(slot);
    render(slot);
  });
  state.on("active", renderAll);
  state.on("invert", () => {
    renderAll();
    renderFocus();
  });
  state.on("focus", renderFocus);
  for (const slot of SLOTS) decode(slot);
  renderAll();
  return { canvas: main };
}
