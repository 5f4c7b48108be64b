// For a data set with known factors (the sprites): how each latent dimension of the shown model carries each
// factor, as the analysis measured it (aevae.analysis.factors): a table of I(z_j; v_k) / H(v_k), from 0 (the
// dimension says nothing about the factor) to 1 (it determines it), with MIG and the FactorVAE score of both
// models beneath. Clicking a factor's name colours the maps and violins by it; dragging a handle of the line
// names the factor that dimension moves most.

import { setColourBy } from "./actions.js";
import { SLOTS } from "./bundle.js";

const fixed = (v) => (v === undefined || v === null ? "—" : v.toFixed(2));

/**
 * @param {HTMLElement} el container, left empty (and hidden) when the models have no known factors
 * @param {object} state the shared state
 */
export function createFactorMatrix(el, state) {
  function render() {
    const model = state.models[state.active];
    const f = model.meta.factors;
    el.hidden = !f;
    el.replaceChildren();
    if (!f) return;
    const d = f.mi_normalised.length;
    const names = f.factor_names;
    const head = names.map((name) => `<th scope="col"><button type="button" class="factor-name"
      data-factor="${name}" aria-pressed="${state.colourBy === `factor:${name}`}">${name}</button></th>`).join("");
    const rows = f.mi_normalised.map((row, j) => `<tr data-dim="${j}"><th scope="row">z${j + 1}</th>${row.map((v) =>
      `<td style="--share: ${Math.min(Math.max(v, 0), 1).toFixed(3)}">${fixed(v)}</td>`).join("")}</tr>`).join("");
    const scores = SLOTS.map((slot) => {
      const { factors: g, kind } = state.models[slot].meta;
      return `${kind.toUpperCase()}: MIG ${fixed(g?.mig)}, FactorVAE score ${fixed(g?.factorvae_score)}`;
    }).join(" · ");
    el.innerHTML = `<h3>Which dimension carries which factor (${model.meta.kind.toUpperCase()})</h3>
      <table class="factor-table"><caption>Mutual information I(z; factor) as a share of the factor's entropy,
      on ${f.n_images.toLocaleString("en")} training images: 1 = the dimension determines the factor</caption>
      <thead><tr><th scope="col">dim</th>${head}</tr></thead><tbody>${rows}</tbody></table>
      <p class="factor-scores">${scores}. MIG: 1 when each factor lives in one dimension alone (Chen et al.
      2018); the FactorVAE score's ceiling here is ${fixed(f.factorvae_ceiling)} (${d} dimensions,
      ${names.length} factors).</p>
      <p class="factor-drag" aria-live="polite">Drag a handle of the black line to see which factor it moves.</p>`;
    el.querySelectorAll(".factor-name").forEach((button) => button.addEventListener("click", () => {
      const id = `factor:${button.dataset.factor}`;
      setColourBy(state, state.colourBy === id ? "class" : id);
    }));
  }

  function dragged({ slot, dim }) {
    const f = state.models[state.active].meta.factors;
    if (!f || slot !== state.active || dim === undefined) return;
    for (const row of el.querySelectorAll("tr[data-dim]")) row.classList.toggle("dragging", Number(row.dataset.dim) === dim);
    const row = f.mi_normalised[dim];
    const best = row.indexOf(Math.max(...row));
    el.querySelector(".factor-drag").textContent = row[best] < 0.05
      ? `z${dim + 1} carries almost nothing of any factor (at most ${fixed(row[best])} of one's information).`
      : `z${dim + 1} moves mostly ${f.factor_names[best]} (it carries ${fixed(row[best])} of ${f.factor_names[best]}'s `
        + "information).";
  }

  state.on("active", render);
  state.on("colourby", render);
  state.on("latent", dragged);
  render();
  return { el };
}
