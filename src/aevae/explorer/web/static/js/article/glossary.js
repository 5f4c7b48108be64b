// Hover definitions: a term defined where it first appears, its definition shown while the pointer is over it or
// while it has keyboard focus (it is in the tab order), announced to screen readers as its description.

const DEFINITIONS = {
  latent: "The code z the encoder computes: d numbers, one per latent dimension (a latent unit is one of them).",
  "latent-unit": "One of the d numbers of the code; its values are measured in latent units, the code's own scale.",
  nats: "A unit of information: −ln of a probability. 1 nat = 1/ln 2 ≈ 1.44 bits.",
  bits: "A unit of information: −log₂ of a probability. One bit tells apart two equally likely cases.",
  prior: "p(z): the distribution codes are meant to follow before any image is seen; for a VAE, N(0, I).",
  posterior: "q(z|x): the encoder's distribution over codes for one image x, a Gaussian with mean μ and spread σ.",
  kl: "The Kullback–Leibler divergence KL(q ‖ p): how many extra nats it costs to describe draws from q with a code built for p; 0 only when q = p.",
  elbo: "The evidence lower bound: reconstruction log-likelihood minus KL; −ELBO is an upper bound on −log p(x).",
  silhouette: "For each point, (b − a) / max(a, b): a its mean distance to its own label's points, b to the nearest other label's; averaged, from −1 to 1.",
  nmi: "Normalised mutual information between k-means clusters and the labels: 0 unrelated, 1 the same partition.",
  purity: "The share of points whose k-means cluster's most common label is their own.",
  mmd: "Maximum mean discrepancy: a distance between two sets of samples, from the mean similarity within and between them.",
  knn: "A k-nearest-neighbour vote: a test image gets the label most of its k nearest training codes carry.",
};

let count = 0;

/** `text` marked as the term `key`, with its definition on hover and on keyboard focus. */
export function define(key, text) {
  const definition = DEFINITIONS[key];
  if (!definition) throw new Error(`no definition for ${key}`);
  const id = `def-${key}-${++count}`;
  return `<span class="def" tabindex="0" data-def="${key}" aria-describedby="${id}">${text}<span class="def-tip"
    role="tooltip" id="${id}">${definition}</span></span>`;
}

/** Escape closes an open definition (it reopens on the next hover or focus). */
export function linkDefinitions(root) {
  for (const el of root.querySelectorAll(".def")) {
    el.addEventListener("keydown", (event) => {
      if (event.key === "Escape") el.classList.add("def-closed");
    });
    const reopen = () => el.classList.remove("def-closed");
    el.addEventListener("focus", reopen);
    el.addEventListener("pointerenter", reopen);
  }
}
