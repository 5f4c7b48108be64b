// Figure 1: the loaded AE drawn layer by layer from the layer table its bundle carries (derived from the PyTorch
// model, aevae.models.layers). Each block is one layer's output, labelled with what the layer does and its shape
// (PyTorch's C×H×W, or the length of a vector), so another width, depth, image size or d shows itself. Picking an input runs the encoder in the browser and fills the blocks with its activations;
// moving a value of the bottleneck re-runs the decoder half only.

import { drawImage } from "../images.js";
import { formatValue } from "../svg.js";
import { drawActivation } from "./activations.js";
import { inputPicker } from "./context.js";
import { esc } from "./format.js";

const OPS = { conv2d: "conv", conv_transpose2d: "transposed conv", linear: "linear" };

/**
 * Figure 1's blocks from the model's layer table (aevae.models.layers, carried in the bundle): the input, then one
 * block per layer with weights, labelled with what it does and the shape of its output (a following unflatten
 * reshapes it; a flatten does not, so a map keeps its C×H×W); the encoder's last layer, which emits the code, is
 * the bottleneck, of `d` values (the slot's latent_dim).
 */
export function layerBlocks(table, d) {
  const blocks = [{ name: "input", half: "", label: "input x", shape: table.input }];
  for (const half of ["encoder", "decoder"]) {
    table[half].forEach((step, i) => {
      if (step.tensor) {
        const next = table[half][i + 1];
        const what = [OPS[step.op] || step.op];
        if (step.kernel) what.push(`${step.kernel.join("×")}, stride ${step.stride[0]}`);
        if (next && !next.tensor && next.op !== "flatten" && next.op !== "unflatten") what.push(`+ ${next.op}`);
        blocks.push({ name: step.tensor, half, label: step.tensor.split(".").pop(), what: what.join(" "),
          shape: step.shape });
      } else if (step.op === "unflatten") {
        blocks[blocks.length - 1].shape = step.shape;
      }
    });
    if (half === "encoder") { // its last layer emits the code (and, for a VAE, log σ²): the bottleneck
      const head = blocks.pop();
      blocks.push({ name: head.name, half: "", label: "code z (bottleneck)", what: head.what, shape: [d],
        bottleneck: true });
    }
  }
  const last = blocks[blocks.length - 1];
  last.output = true;
  last.what += ` + ${table.head.output}`;
  return blocks;
}

/**
 * Build Figure 1 inside `el` for the AE of `ctx`.
 * @returns {{update: () => number}} update() re-runs the figure for the current input; returns its milliseconds
 */
export function createAutoencoderFigure(el, ctx) {
  const model = ctx.models.ae;
  const { net } = model;
  const d = model.meta.latent_dim;
  el.innerHTML = `
    <div class="fig-controls"></div>
    <ol class="net" aria-label="The AE's layers from input to output, each with its output shape"></ol>
    <p class="fig-note">Blocks show up to eight channels of each layer (dark = strong activation, each map on its own
      scale); vectors as rows of cells. Move a value of the bottleneck: only the decoder half runs again.</p>`;
  el.querySelector(".fig-controls").appendChild(inputPicker(ctx, "fig1-input"));
  const list = el.querySelector(".net");
  new ResizeObserver(() => markRows(list)).observe(list);

  const z = new Float64Array(d);
  const blocks = new Map(); // layer name -> {canvas, shape, output}
  let sliders = [];
  for (const block of layerBlocks(model.meta.layers, model.meta.latent_dim)) {
    const li = document.createElement("li");
    li.className = `block ${block.half}${block.bottleneck ? " bottleneck" : ""}${block.output ? " output" : ""}`;
    li.dataset.layer = block.bottleneck ? "code z (bottleneck)" : block.name;
    const part = block.name === "input" ? "x" : block.bottleneck ? "z" : block.output ? "xhat" : "";
    if (part) li.dataset.part = part;
    li.innerHTML = `<span class="block-name">${esc(block.label)}${block.half ? ` <small>${block.half}</small>` : ""}</span>
      ${block.what ? `<span class="block-op">${esc(block.what)}</span>` : ""}
      <span class="block-shape" data-shape="${block.shape.join(",")}">${block.shape.join("×")}</span>`;
    list.appendChild(li);
    if (block.bottleneck) {
      sliders = bottleneckSliders(li);
      continue;
    }
    const canvas = document.createElement("canvas");
    canvas.className = block.name === "input" ? "act act-image" : block.output ? "act act-image fig1-output" : "act";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", block.output ? "the AE's output image x̂" :
      `activations of ${block.name}, shape ${block.shape.join("×")}`);
    li.appendChild(canvas);
    blocks.set(block.name, { canvas, shape: block.shape, isOutput: block.output });
  }

  function bottleneckSliders(code) {
    return Array.from({ length: d }, (_, j) => {
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
  }

  function draw(name, values) {
    const block = blocks.get(name); // the encoder's head has no block: the sliders show the code
    if (!block) return;
    if (name === "input") drawImage(block.canvas, ctx.image(), true); // the trace holds it channels-last
    else if (block.isOutput) drawImage(block.canvas, values, true);
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

/**
 * Mark where the row of blocks wraps: the last block of a row gets "row-end" (no arrow after it, where it would point
 * at nothing) and the first block of the next row "row-start" (the arrow in front of it, carrying the flow on).
 * The marks change the row starts' width, so it settles in a few passes.
 */
function markRows(list) {
  const items = [...list.children];
  for (let pass = 0; pass < 4; pass++) {
    let changed = false;
    items.forEach((item, k) => {
      const next = items[k + 1];
      const wraps = Boolean(next) && next.offsetTop > item.offsetTop + item.offsetHeight / 2;
      if (item.classList.contains("row-end") !== wraps) changed = true;
      item.classList.toggle("row-end", wraps);
      next?.classList.toggle("row-start", wraps);
    });
    if (!changed) return;
  }
}
