// The output: the shown model's decoding of its reconstruction line, drawn large with crisp pixels, with a caption
// saying what the line holds (an input's μ, a sample z ~ q(z|x), or a moved line); the VAE's samples of the
// current input in a strip (click one to show it); and the focused input beside both models' outputs (AE and VAE
// side by side). Decoding runs here, in the browser, on every move of a line, or, for a model only Python can run
// (remote.js), as soon as Python answers, the newest line first; an error it reports is shown above the output
// until the next image arrives. Each finished drawing is announced with an "aevae:output" event on the root.

import { showSample } from "./actions.js";
import { SLOTS } from "./bundle.js";
import { drawImage } from "./images.js";
import { decodeThen } from "./remote.js";
import { formatValue } from "./svg.js";

const Z_SHOWN = 16; // the caption lists a latent's values up to this many; the rest are in its title

/**
 * @param {HTMLElement} el container
 * @param {object} state the shared state
 * @param {{root: HTMLElement}} options root: the element that receives "aevae:output" events
 */
export function createOutput(el, state, { root }) {
  el.innerHTML = `
    <div class="output-main">
      <canvas class="output-canvas" width="32" height="32" aria-label="decoded output"></canvas>
      <p class="output-error" role="alert" hidden></p>
      <div class="output-caption"><span class="output-origin"></span> <span class="output-z"></span></div>
    </div>
    <div class="samples" hidden><div class="samples-title"></div><div class="samples-strip"></div></div>
    <div class="compare">
      <figure data-slot="input"><canvas class="compare-canvas"></canvas><figcaption>input</figcaption></figure>
      <figure data-slot="ae"><canvas class="compare-canvas"></canvas><figcaption>AE</figcaption></figure>
      <figure data-slot="vae"><canvas class="compare-canvas"></canvas><figcaption>VAE</figcaption></figure>
    </div>`;
  const main = el.querySelector(".output-canvas");
  const origin = el.querySelector(".output-origin");
  const values = el.querySelector(".output-z");
  const samples = el.querySelector(".samples");
  const compare = Object.fromEntries(
    ["input", ...SLOTS].map((k) => [k, el.querySelector(`figure[data-slot="${k}"]`)]),
  );
  const error = el.querySelector(".output-error");
  const images = {}; // slot -> last decoded image
  const decoded = {}; // slot -> the latent that image decodes (a remote image may lag the line)
  let drawn = 0; // drawings so far, exposed as data-drawn for tests and benchmarks

  // Decode a slot's line and draw it (`draw` false: not yet): at once in the browser, or when Python answers.
  function decode(slot, draw = true) {
    const net = state.models[slot].net;
    const z = Float64Array.from(state.latent[slot]);
    if (!net.remote) {
      [images[slot], decoded[slot]] = [net.decode(z), z];
      if (draw) render(slot);
      return;
    }
    net.decodeLater(`output-${slot}`, z, "line").then((image) => { // its own lane: nothing queues before it
      if (!image) return; // a newer line replaced this one before it was sent
      [images[slot], decoded[slot]] = [image, z];
      error.hidden = true;
      render(slot);
    }, (failure) => {
      error.textContent = `${state.models[slot].meta.kind.toUpperCase()} could not decode this line: ${failure.message}`;
      error.hidden = false;
    });
  }

  // Draw what `changed` (a slot) alters: its compare image and, when it is the shown model, the big output.
  function render(changed) {
    if (!images[changed]) return; // Python has not answered yet
    const slot = state.active;
    if (changed === slot) {
      drawImage(main, images[slot], state.invert);
      main.dataset.drawn = String(++drawn);
      origin.textContent = describe(state.models[slot].meta.kind.toUpperCase(), state.origin[slot]);
      origin.dataset.kind = (state.origin[slot] || { kind: "line" }).kind;
      const z = Array.from(decoded[slot], formatValue);
      values.textContent = z.length <= Z_SHOWN ? `z = (${z.join(", ")})`
        : `z = (${z.slice(0, Z_SHOWN).join(", ")}, …), ${z.length} values`;
      values.title = `z = (${z.join(", ")})`;
      renderSamples();
    }
    drawImage(compare[changed].querySelector("canvas"), images[changed], state.invert);
    root.dispatchEvent(new CustomEvent("aevae:output", {
      detail: { slot: changed, latent: Array.from(decoded[changed]), image: images[changed] },
    }));
  }

  function renderAll() {
    for (const s of SLOTS) {
      compare[s].classList.toggle("inactive", s !== state.active);
      compare[s].hidden = Boolean(state.models[s].meta.both_slots) && s !== state.active; // no copy of itself
      compare[s].querySelector("figcaption").textContent = state.models[s].meta.kind.toUpperCase();
      if (s !== state.active) render(s);
    }
    render(state.active);
  }

  // The strip of the last samples, shown while the VAE is shown; the one on the line is outlined.
  function renderSamples() {
    const drawn = state.samples;
    samples.hidden = !drawn || drawn.slot !== state.active;
    if (samples.hidden) return;
    const net = state.models[drawn.slot].net;
    const at = state.origin[drawn.slot];
    samples.querySelector(".samples-title").textContent =
      `${drawn.draws.length} draws z ~ q(z|x) for ${drawn.input.name} (click one to show it)`;
    const strip = samples.querySelector(".samples-strip");
    if (strip.drawsRef !== drawn.draws) { // decode a new set of draws once, not on every move of the line
      strip.replaceChildren(...drawn.draws.map((z, i) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "sample-thumb";
        button.title = `sample ${i + 1}: z = (${Array.from(z, formatValue).join(", ")})`;
        const canvas = button.appendChild(document.createElement("canvas"));
        canvas.className = "sample-canvas";
        decodeThen(net, `sample-${i}`, z, (image) => drawImage(canvas, image, state.invert));
        button.addEventListener("click", () => showSample(state, i));
        return button;
      }));
      strip.drawsRef = drawn.draws;
    }
    strip.querySelectorAll(".sample-thumb").forEach((b, i) => {
      b.setAttribute("aria-pressed", String(at?.kind === "sample" && at.index === i));
    });
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

  state.on("latent", ({ slot }) => decode(slot));
  state.on("active", renderAll);
  state.on("samples", renderSamples);
  state.on("invert", () => {
    samples.querySelector(".samples-strip").drawsRef = null; // redraw the strip in the new polarity
    renderAll();
    renderFocus();
  });
  state.on("focus", renderFocus);
  for (const slot of SLOTS) decode(slot, false);
  renderAll(); // captions and the inactive model's dimming; each image is drawn by its decode
  return { canvas: main };
}

/** What the shown line holds, in words: "VAE output of μ for 7 (test #0)", "… of sample 2 of 5 from q(z|x) …". */
function describe(model, origin = { kind: "line" }) {
  if (origin.kind === "mu") {
    const what = model === "AE" ? "the code" : "μ (the encoder's mean)";
    return `${model} output of ${what} for ${origin.input.name}`;
  }
  if (origin.kind === "sample") {
    return `${model} output of sample ${origin.index + 1} of ${origin.count}, z ~ q(z|x) for ${origin.input.name}`;
  }
  return `${model} output of the black line`;
}
