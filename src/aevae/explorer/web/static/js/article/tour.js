// The guided tour of the embedded explorer (after Transformer Explainer's): each step highlights the part it talks
// about, dims the rest, and drives the live view where that shows the point better than words (it selects an
// input, snaps the line, switches to the AE and back). Keyboard: → or Enter next, ← back, Escape closes. The box is
// placed beside the part it describes (right, left, below or above it: the first side with room), never over it.

import { randomLatent, setActive, snapTo } from "../actions.js";

const STEPS = [
  [".gallery-panel", "Inputs: test images of every class and three shapes that are not digits (the probes). Click one to select it; each selected input gets a colour."],
  [".parallel-view", "Each vertical axis is one latent dimension, with the grey violin of its training values behind it. A coloured line is one input's code; for the VAE the band around it is μ ± σ."],
  [".parallel-view", "The black line is the code being decoded. Drag any of its points (or focus one and use the arrow keys): the output follows at once. The tour has just snapped it onto the first selected input.", (s) => {
    const first = s.inputs.find((i) => i.selected);
    if (first) snapTo(s, first);
  }],
  [".output-panel", "The output: the shown model's decoding of the black line, computed in your browser, with the input and both models' outputs side by side below it."],
  [".toolbar", "Show AE colours the autoencoder and greys the VAE on the same axes. The tour has switched to the AE: compare how far its axes reach with the VAE's.", (s) => setActive(s, "ae")],
  [".toolbar", "Random draws the line from N(0, 1) — for the VAE that is its prior, and it usually decodes to a digit. Back to the VAE, with one draw.", (s) => {
    setActive(s, "vae");
    randomLatent(s);
  }],
  [".selected-panel", "How unusual is each selected input? Its reconstruction error, ranked among the test images' errors, is the signal; its code's position, a percentile among the training codes of each dimension, only says where the code lies."],
  [".info-panel", "Information: the bit budget of section 8, computed on these models."],
  [".maps-panel", "The PCA maps (Figure 5, live): hover to decode the spot under the pointer, click to move the line there."],
  [".drawpad", "Draw your own digit (or upload a picture): it is normalised as MNIST's digits were and gets its own line."],
];

/**
 * A tour over the explorer mounted in `host`, started by `button`.
 * @param {{state: object}} explorer what mount() returned
 */
export function createTour(host, button, explorer) {
  const box = document.createElement("div");
  box.className = "tour-box";
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-label", "Guided tour of the explorer");
  box.hidden = true;
  box.innerHTML = `<p class="tour-step" aria-live="polite"></p><p class="tour-count"></p>
    <div class="tour-buttons"><button type="button" class="tour-back">Back</button>
    <button type="button" class="tour-next">Next</button><button type="button" class="tour-close">Close tour</button></div>`;
  host.appendChild(box);
  let at = -1;

  function show(i) {
    host.querySelectorAll(".tour-lit").forEach((n) => n.classList.remove("tour-lit"));
    if (i < 0 || i >= STEPS.length) {
      at = -1;
      box.hidden = true;
      host.classList.remove("touring");
      button.focus();
      return;
    }
    at = i;
    const [selector, text, act] = STEPS[i];
    if (act) act(explorer.state);
    const target = host.querySelector(selector);
    host.classList.add("touring");
    if (target) {
      target.classList.add("tour-lit");
      const reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      target.scrollIntoView({ block: "nearest", behavior: reduce ? "auto" : "smooth" });
    }
    box.hidden = false;
    box.dataset.step = String(i);
    box.querySelector(".tour-step").textContent = text;
    box.querySelector(".tour-count").textContent = `Step ${i + 1} of ${STEPS.length}`;
    box.querySelector(".tour-back").disabled = i === 0;
    box.querySelector(".tour-next").textContent = i === STEPS.length - 1 ? "Finish" : "Next";
    place(box, target, host);
    box.querySelector(".tour-next").focus({ preventScroll: true });
    const reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    box.scrollIntoView({ block: "nearest", behavior: reduce ? "auto" : "smooth" });
  }

  // A new width moves the panels: the box follows its target.
  new ResizeObserver(() => {
    if (at >= 0) place(box, host.querySelector(STEPS[at][0]), host);
  }).observe(host);
  button.addEventListener("click", () => show(0));
  box.querySelector(".tour-next").addEventListener("click", () => show(at + 1));
  box.querySelector(".tour-back").addEventListener("click", () => show(at - 1));
  box.querySelector(".tour-close").addEventListener("click", () => show(-1));
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") show(-1);
    else if (event.key === "ArrowRight") show(at + 1);
    else if (event.key === "ArrowLeft" && at > 0) show(at - 1);
  });
  return { show, steps: STEPS.length };
}

const GAP = 12; // CSS pixels between the box and its target, and kept from the host's edges

/**
 * Put the tour's `box` beside `target` inside `host` (which positions it): to its right, its left, below or above
 * it, the first side with room for the box, never over the target. Where no side has room (a target as wide as
 * the view), below it, where the view grows.
 */
function place(box, target, host) {
  const h = host.getBoundingClientRect();
  if (!target) {
    box.style.left = `${GAP}px`;
    box.style.top = `${GAP}px`;
    return;
  }
  const r = target.getBoundingClientRect();
  const t = { left: r.left - h.left, right: r.right - h.left, top: r.top - h.top, bottom: r.bottom - h.top };
  const w = box.offsetWidth;
  const ht = box.offsetHeight;
  const alongside = Math.min(Math.max(GAP, t.top), Math.max(GAP, h.height - ht - GAP)); // level with the target
  const across = Math.min(Math.max(GAP, t.left), Math.max(GAP, h.width - w - GAP)); // under or over it
  const sides = [
    [t.right + GAP + w <= h.width - GAP, t.right + GAP, alongside],
    [t.left - GAP - w >= GAP, t.left - GAP - w, alongside],
    [t.bottom + GAP + ht <= h.height - GAP, across, t.bottom + GAP],
    [t.top - GAP - ht >= GAP, across, t.top - GAP - ht],
  ];
  const [, x, y] = sides.find(([fits]) => fits) || [true, across, t.bottom + GAP];
  box.style.left = `${x}px`;
  box.style.top = `${y}px`;
  box.dataset.side = ["right", "left", "below", "above"][sides.findIndex(([fits]) => fits)] || "below";
}
