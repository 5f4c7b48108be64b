// Figure 1: the loaded AE drawn layer by layer. Each block is one layer's output, labelled with its real shape as
// the network computes it (PyTorch's C×H×W, or the length of a vector), so another width, depth, image size or d
// shows itself. Picking an input runs the encoder in the browser and fills the blocks with its activations;
// moving a value of the bottleneck re-runs the decoder half only.

import { drawImage } from "../images.js";
import { formatValue } from "../svg.js";
import { drawActivation } from "./activations.js";
import { inputPicker } from "./context.js";
import { esc } from "./format.js";

const PART = { input: "x", code: "z", output: "xhat" }; // blocks that are one of the article's variables

/** One traced pass: [{name, values (a copy), shape}] of every layer the network reports. */
function traced(run) {
  const layers = [];
  const result = run((name, values, shape) => layers.push({ name, values: Float64Array.from(values), shape }));
  return { layers, result };
}

/** "encoder.conv2" -> "conv2", with the half it belongs to. */
function label(name) {
  const [half, layer] = name.includes(".") ? name.split(".") : ["", name];
  return { half, layer };
}

/**
 * Build Figure 1 inside `el` for the AE of `ctx`.
 * @returns {{update: () => number}} update() re-runs the figure for the current input; returns its milliseconds
 */
export function createAutoencoderFigure(el, ctx) {
  const model = ctx.models.ae;
  const { net, d } = model;
  el.innerHTML = `
    <div class="fig-controls"></div>
    <ol class="net" aria-label="The AE's layers from input to output, each with its output shape"></ol>
    <p class="fig-note">Blocks show up to eight channels of each layer (dark = strong activation, each map on its own
      scale); vectors as rows of cells. Move a value of the bottleneck: only the decoder half runs again.</p>`;
  el.querySelector(".fig-controls").appendChild(inputPicker(ctx, "fig1-input"));
  const list = el.querySelector(".net");

  const z = new Float64Array(d);
  const enc = traced((trace) => net.encode(ctx.image(), trace));
  const dec = traced((trace) => net.decode(z, trace));
  const blocks = new Map(); // layer name -> {canvas, shape}

  const addBlock = (name, shape, extraClass = "", part = "") => {
    const { half, layer } = label(name);
    const li = document.createElement("li");
    li.className = `block ${half} ${extraClass}`.trim();
    li.dataset.layer = name;
    if (part) li.dataset.part = part;
    const shapeText = shape.join("×");
    li.innerHTML = `<span class="block-name">${esc(layer)}${half ? ` <small>${half}</small>` : ""}</span>
      <span class="block-shape" data-shape="${shape.join(",")}">${shapeText}</span>`;
    list.appendChild(li);
    return li;
  };

  // The encoder's layers up to (not including) its last linear layer, whose output is the code itself.
  for (const layer of enc.layers.slice(0, -1)) {
    const li = addBlock(layer.name, layer.shape, "", PART[layer.name] || "");
    const canvas = document.createElement("canvas");
    canvas.className = layer.name === "input" ? "act act-image" : "act";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `activations of ${layer.name}, shape ${layer.shape.join("×")}`);
    li.appendChild(canvas);
    blocks.set(layer.name, { canvas, shape: layer.shape });
  }

  const code = addBlock("code z (bottleneck)", [d], "bottleneck", "z");
  const sliders = Array.from({ length: d }, (_, j) => {
    const [lo, hi] = model.ranges[j];
    const row = document.createElement("label");
    row.className = "zrow";
    row.innerHTML = `<span class="v-z">z<sub>${j + 1}</sub></span>
      <input type="range" class="zslider" min="${lo}" max="${hi}" step="${(hi - lo) / 200}"
        aria-label="latent value z${j + 1} of the AE">
      <output class="zval v-z"></output>`;
    code.appendChild(row);
    const input = row.querySelector("input");
    input.addEventListener("input", () => {
      z[j] = Number(input.value);
      row.querySelector("output").textContent = formatValue(z[j]);
      decodeHalf();
    });
    return { input, out: row.querySelector("output") };
  });

  for (const layer of dec.layers) {
    const isOutput = layer === dec.layers[dec.layers.length - 1];
    const li = addBlock(layer.name, layer.shape, isOutput ? "output" : "", isOutput ? "xhat" : "");
    const canvas = document.createElement("canvas");
    canvas.className = isOutput ? "act act-image fig1-output" : "act";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", isOutput ? "the AE's output image x̂" :
      `activations of ${layer.name}, shape ${layer.shape.join("×")}`);
    li.appendChild(canvas);
    blocks.set(layer.name, { canvas, shape: layer.shape, isOutput });
  }

  function draw(name, values) {
    const block = blocks.get(name);
    if (!block) return;
    if (block.isOutput || name === "input") drawImage(block.canvas, values, true);
    else drawActivation(block.canvas, values, block.shape);
  }

  function decodeHalf() {
    const start = performance.now();
    net.decode(z, (name, values) => draw(name, values));
    const ms = performance.now() - start;
    el.dataset.decodeMs = ms.toFixed(3);
    el.dataset.decoded = String(Number(el.dataset.decoded || 0) + 1);
    return ms;
  }

  function update() {
    const start = performance.now();
    const { mu } = net.encode(ctx.image(), (name, values) => draw(name, values));
    z.set(mu);
    sliders.forEach((s, j) => {
      s.input.value = String(z[j]);
      s.out.textContent = formatValue(z[j]);
    });
    decodeHalf();
    const ms = performance.now() - start;
    el.dataset.activationsMs = ms.toFixed(3);
    return ms;
  }

  ctx.state.on("input", update);
  update();
  return { update };
}
