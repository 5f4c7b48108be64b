// Equations as MathML (rendered natively by Chromium and Firefox, no library), each symbol in its variable's colour.

const SYMBOL = { x: "x", mu: "μ", sigma: "σ", eps: "ε", z: "z", xhat: "x̂", kl: "KL" };

/** An identifier in its variable's colour: mi("mu") -> μ in the colour of μ. */
export function mi(part, sub = "") {
  const id = `<mi class="v-${part}" data-part="${part}">${SYMBOL[part]}</mi>`;
  return sub ? `<msub>${id}<mi>${sub}</mi></msub>` : id;
}

/** An operator, number or plain identifier. */
export const mo = (t) => `<mo>${t}</mo>`;
export const mn = (t) => `<mn>${t}</mn>`;
export const plain = (t) => `<mi>${t}</mi>`;

/** A display equation from MathML pieces, with a text alternative for screen readers that lack MathML. */
export function equation(pieces, label) {
  return `<math display="block" aria-label="${label}"><mrow>${pieces.join("")}</mrow></math>`;
}

/** An inline equation. */
export function inline(pieces, label) {
  return `<math aria-label="${label}"><mrow>${pieces.join("")}</mrow></math>`;
}
