// The information panel: the paper's bit-budget argument with its derivation (bits in an image, bits a float32
// code can hold, their ratio, the share that must be discarded), beside what the models measurably use (the VAE's
// KL, the bits the decoder needs), and why those two measurements differ. Every number comes from the bundle's
// analysis metadata (aevae.analysis.information), so a run of another size shows its own.

import { SLOTS } from "./bundle.js";

const ROWS = [
  // [label, where the number is, unit, key for tests]
  ["Bits in an input image", (m) => m.info?.input_bits, "bits/image", "input_bits"],
  ["Latent capacity (float32)", (m) => m.info?.latent_float_bits, "bits/image", "latent_float_bits"],
  ["Input ÷ capacity", (m) => m.info?.ratio, "×", "ratio"],
  ["VAE rate: KL to the prior", (m) => m.info?.vae_rate_bits_per_image, "bits/image", "vae_rate_bits_per_image"],
  ["Bits the decoder uses", (m) => m.info?.bits_used_per_image, "bits/image", "bits_used_per_image"],
  ["Reconstruction BCE (test)", (m) => m.metrics?.bce_nats_per_image, "nats/image", "bce_nats_per_image"],
];

const formats = new Map(); // digits -> Intl.NumberFormat (making one per number would cost the slider its frame)
const number = (v, digits = 1) => {
  if (!formats.has(digits)) formats.set(digits, new Intl.NumberFormat("en", { maximumFractionDigits: digits }));
  return formats.get(digits).format(Number(v));
};
const known = (v) => v !== undefined && v !== null;

/**
 * @param {HTMLElement} el container
 * @param {object} state the shared state
 */
export function createInfoPanel(el, state) {
  el.innerHTML = `<table class="info-table"></table><div class="derivation"></div>
    <details class="why"><summary></summary><p></p></details>`;
  const table = el.querySelector(".info-table");
  let shown = { table: null, budget: null }; // what the table and the derivation show: redrawn only when it changes
  function render() {
    const one = state.models.ae.meta.both_slots; // one model in both slots: one column
    const slots = one ? [state.active] : SLOTS;
    const metas = slots.map((s) => state.models[s].meta);
    const head = metas
      .map((m, i) => `<th class="${slots[i] === state.active ? "active" : ""}">${m.kind.toUpperCase()}</th>`)
      .join("");
    const rows = ROWS.map(([label, get, unit, key]) => {
      const cells = metas.map((m, i) => {
        const v = get(m);
        return `<td class="${slots[i] === state.active ? "active" : ""}" data-slot="${slots[i]}" data-key="${key}"
          ${known(v) ? `data-value="${v}"` : ""}>${known(v) ? number(v) : "—"}</td>`;
      });
      return `<tr><th scope="row">${label} <small>${unit}</small></th>${cells.join("")}</tr>`;
    });
    const html = `<thead><tr><th scope="col" class="corner">quantity</th>${head}</tr></thead>
      <tbody>${rows.join("")}</tbody>`;
    const meta = state.models[state.active].meta;
    const budget = JSON.stringify([meta.kind, meta.latent_dim, meta.image_size, meta.config?.model?.channels,
      meta.info?.input_bits, meta.info?.latent_float_bits, meta.info?.ratio]); // what the derivation states
    if (html !== shown.table) table.innerHTML = html;
    if (budget !== shown.budget) derivation(el.querySelector(".derivation"), meta);
    shown = { table: html, budget };
    const [question, answer] = whyRatesDiffer(metas);
    el.querySelector(".why").hidden = !question;
    el.querySelector(".why summary").textContent = question;
    el.querySelector(".why p").textContent = answer;
  }
  state.on("active", render);
  render();
  return { el };
}

/** The paper's argument, each step an equation whose result is the analysis's own number. */
function derivation(el, meta) {
  const info = meta.info || {};
  if (!known(info.input_bits) || !known(info.latent_float_bits)) {
    el.textContent = "This model's bit budget was not measured.";
    return;
  }
  const side = meta.image_size;
  const channels = meta.config?.model?.channels ?? 1;
  const pixels = side * side * channels;
  const pixelBits = info.input_bits / pixels; // 8 for uint8 images
  const d = meta.latent_dim;
  const floatBits = info.latent_float_bits / d; // 32 for float32
  const ratio = info.ratio ?? info.input_bits / info.latent_float_bits;
  const discarded = 100 * (1 - info.latent_float_bits / info.input_bits);
  const image = `${side} · ${side}${channels > 1 ? ` · ${channels}` : ""}`;
  const steps = [
    [`${image} · log₂ ${number(2 ** pixelBits)}`, "input_bits", `${number(info.input_bits)} bits`,
      channels > 1
        ? `in an image: ${number(side * side)} pixels × ${channels} colour channels, each value one of `
          + `${number(2 ** pixelBits)} levels`
        : `in an image: ${number(pixels)} pixels, each one of ${number(2 ** pixelBits)} grey levels`],
    [`${d} × ${floatBits}`, "latent_float_bits", `${number(info.latent_float_bits)} bits`,
      `at most in the code: ${d} float${floatBits} numbers`],
    [`${number(info.input_bits)} / ${number(info.latent_float_bits)}`, "ratio", `${number(ratio)}`, ratio > 1
      ? "times more bits in the image than the code can hold"
      : "times as many bits in the image as the code can hold: the code has room for them all"],
    [`1 − ${number(info.latent_float_bits)} / ${number(info.input_bits)}`, "discarded",
      discarded > 0 ? `${discarded.toFixed(2)} %` : "nothing", discarded > 0
        ? "of the image's bits must be thrown away, by any encoder of this size"
        : "need be thrown away by a code this large: what it keeps is set by training (for a VAE, its KL), not by "
          + "its size"],
  ];
  el.innerHTML = `<h3>The paper's argument (${meta.kind.toUpperCase()}, d = ${d})</h3><ol class="steps"></ol>`;
  const list = el.querySelector(".steps");
  for (const [lhs, key, result, meaning] of steps) {
    const item = document.createElement("li");
    item.dataset.key = key;
    item.innerHTML = `<span class="eq"></span> = <b class="result"></b> <span class="meaning"></span>`;
    item.querySelector(".eq").textContent = lhs;
    item.querySelector(".result").textContent = result;
    item.querySelector(".meaning").textContent = meaning;
    list.appendChild(item);
  }
}

/** How the two measured rates compare with the code's capacity, from the numbers: "both are far below ...". */
function belowCapacity(info) {
  const most = Math.max(info.vae_rate_bits_per_image, info.bits_used_per_image);
  const times = info.latent_float_bits / most;
  if (times >= 10) return `both are far below the capacity above (the larger ${number(times, 0)} times below it)`;
  if (times > 1) return `both are below the capacity above (the larger ${number(times)} times below it)`;
  return "the larger of them is not below the capacity above";
}

/** Why the VAE's KL and the bits its decoder uses are different numbers: [question, answer] ("" if no VAE). */
function whyRatesDiffer(metas) {
  const vae = metas.find((m) => known(m.info?.vae_rate_bits_per_image));
  if (!vae) return ["", ""];
  const { info } = vae;
  const kl = `${number(info.vae_rate_bits_per_image)} bits/image`;
  const intro = `Measured, the codes use far less than that capacity. The ${vae.kind.toUpperCase()}'s KL to the `
    + `prior, ${kl} (mean over test images), is an upper bound on the information I(x; z) its noisy code carries `
    + "about an image (Alemi et al. 2018): each value is blurred by its posterior σ, so only distinctions larger "
    + "than σ get through.";
  if (!known(info.bits_used_per_image)) {
    return [`What the ${kl} of KL mean`, `${intro} The bits its decoder uses were not measured for this model.`];
  }
  const d = vae.latent_dim;
  const question = `Why ${number(info.vae_rate_bits_per_image)} bits of KL but ${number(info.bits_used_per_image)} `
    + "bits used?";
  return [question, `${intro} "Bits the decoder uses", ${number(info.bits_used_per_image)} bits/image, measures something `
    + `else: the posterior mean rounded to a uniform grid of k bits on each of the ${d} dimensions (so only `
    + `multiples of ${d} bits are tried), the smallest k·${d} whose reconstruction BCE stays within `
    + `${number(info.bits_used_tolerance_nats ?? 1)} nat/image of the unrounded code, on `
    + `${number(info.rd_test_images ?? 0, 0)} test images. A fixed grid spends bits on values no image takes `
    + `and ignores σ, so it needs more bits than the KL; ${belowCapacity(info)}.`];
}
