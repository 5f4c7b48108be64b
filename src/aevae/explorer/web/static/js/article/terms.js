// Terms linked to figure parts: a word or symbol in the text marked data-term="mu" lights up every element marked
// data-part="mu" (a node of a graph, a row of a table, a block of Figure 1) while it is hovered or focused, so a
// reader sees which part a sentence talks about. One colour per variable (see article.css, --c-mu etc.) is shared
// by the text, the equations and the figures.

export const VARIABLES = {
  x: "the input image x",
  mu: "the mean μ",
  sigma: "the standard deviation σ",
  eps: "the noise ε",
  z: "the latent code z",
  xhat: "the output x̂",
  kl: "the KL term",
};

/** A term in the text that lights up the figure parts named `part`. */
export function term(part, text) {
  return `<span class="term v-${part}" data-term="${part}" tabindex="0">${text}</span>`;
}

/** Wire every term inside `root` to the parts it names (hover, focus and touch). */
export function linkTerms(root) {
  const light = (part, on) => {
    for (const node of root.querySelectorAll(`[data-part~="${part}"]`)) node.classList.toggle("lit", on);
  };
  for (const el of root.querySelectorAll("[data-term]")) {
    const part = el.dataset.term;
    el.addEventListener("pointerenter", () => light(part, true));
    el.addEventListener("pointerleave", () => light(part, false));
    el.addEventListener("focus", () => light(part, true));
    el.addEventListener("blur", () => light(part, false));
  }
}
