// The information panel: the analysis's bit budget of both models (bits in an image, what the latent could hold,
// the VAE's rate, the bits the decoder actually uses), with the shown model's plain-language meanings.

import { SLOTS } from "./bundle.js";

const ROWS = [
  // [label, where the number is, unit]
  ["Bits in an input image", (m) => m.info?.input_bits, "bits/image"],
  ["Latent capacity (float32)", (m) => m.info?.latent_float_bits, "bits/image"],
  ["VAE rate: KL to the prior", (m) => m.info?.vae_rate_bits_per_image, "bits/image"],
  ["Bits the decoder uses", (m) => m.info?.bits_used_per_image, "bits/image"],
  ["Reconstruction BCE (test)", (m) => m.metrics?.bce_nats_per_image, "nats/image"],
];
const MEANINGS = ["input_bits_meaning", "latent_float_bits_meaning", "vae_rate_meaning", "bits_used_meaning"];

/**
 * @param {HTMLElement} el container
 * @param {object} state the shared state
 */
export function createInfoPanel(el, state) {
  function render() {
    const metas = SLOTS.map((s) => state.models[s].meta);
    const head = metas
      .map((m, i) => `<th class="${SLOTS[i] === state.active ? "active" : ""}">${m.kind.toUpperCase()}</th>`)
      .join("");
    const rows = ROWS.map(([label, get, unit]) => {
      const cells = metas.map((m, i) => {
        const v = get(m);
        const text = v === undefined || v === null ? "—" : Number(v).toLocaleString("en", { maximumFractionDigits: 1 });
        return `<td class="${SLOTS[i] === state.active ? "active" : ""}">${text}</td>`;
      });
      return `<tr><th scope="row">${label} <small>${unit}</small></th>${cells.join("")}</tr>`;
    });
    el.innerHTML = `<table class="info-table"><thead><tr><th></th>${head}</tr></thead>
      <tbody>${rows.join("")}</tbody></table><ul class="meanings"></ul>`;
    const info = state.models[state.active].meta.info || {};
    const list = el.querySelector(".meanings");
    for (const key of MEANINGS) {
      if (!info[key]) continue;
      const item = document.createElement("li");
      item.textContent = info[key];
      list.appendChild(item);
    }
  }
  state.on("active", render);
  render();
  return { el };
}
