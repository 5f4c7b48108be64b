// Colours. Classes use Petroff's ten-colour sequence, chosen to stay distinguishable under the common colour-vision
// deficiencies (M. A. Petroff, "Accessible Color Sequences for Data Visualization", 2021; matplotlib's "petroff10").
// Selected inputs use a separate set whose every colour lies far (CIELAB ΔE ≥ 25) from every class colour, so a
// selected 7 is never drawn in the colour the maps give the 2s, and far from each other (CIEDE2000 ≥ 30, where the
// first set's green and teal were 25 and its magenta and pink 22), so six thin lines read as six colours.

const PALETTE = [
  "#3f90da", "#ffa90e", "#bd1f01", "#94a4a2", "#832db6",
  "#a96b59", "#e76300", "#b9ac70", "#717581", "#92dadd",
];

export const RECONSTRUCTION = "#111111"; // the draggable line, black as in the paper's figure

const SELECTION = ["#d10069", "#779900", "#1a237e", "#0099aa", "#774400", "#005533"]; // magenta, olive, navy, teal,
// brown, dark green: adjacent picks are the most different

export const OTHER_MODEL = "#8d9299"; // the greyed model's lines in the parallel plot

/** The colour of class `i` (cycling past ten), as in the report's figures. */
export function colourOf(i) {
  return PALETTE[i % PALETTE.length];
}

/** The colour of the `i`-th selected input (cycling past six; never a class colour). */
export function selectionColour(i) {
  return SELECTION[i % SELECTION.length];
}

/** Every class colour and every input colour, for checks that the two sets stay apart. */
export const COLOURS = { classes: PALETTE, inputs: SELECTION };

/** "#rrggbb" → [r, g, b] in 0..255. */
export function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
