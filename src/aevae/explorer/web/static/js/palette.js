// Colours. Digits and selected inputs use Petroff's ten-colour sequence, chosen to stay distinguishable under the
// common colour-vision deficiencies (M. A. Petroff, "Accessible Color Sequences for Data Visualization", 2021;
// matplotlib's "petroff10").

const PALETTE = [
  "#3f90da", "#ffa90e", "#bd1f01", "#94a4a2", "#832db6",
  "#a96b59", "#e76300", "#b9ac70", "#717581", "#92dadd",
];

export const RECONSTRUCTION = "#111111"; // the draggable line, black as in the paper's figure

// Selected inputs take the greys last: their lines lie over grey violins.
const SELECTION_ORDER = [0, 1, 2, 4, 5, 6, 7, 9, 3, 8];

/** The colour of class `i` (cycling past ten), as in the report's figures. */
export function colourOf(i) {
  return PALETTE[i % PALETTE.length];
}

/** The colour of the `i`-th selected input (cycling past ten). */
export function selectionColour(i) {
  return PALETTE[SELECTION_ORDER[i % SELECTION_ORDER.length]];
}

/** "#rrggbb" → [r, g, b] in 0..255. */
export function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
