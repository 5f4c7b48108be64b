// Section 12: the sources the article draws on, each with a link.

const REFERENCES = [
  ["Spinner, T., Körner, J., Görtler, J., Deussen, O. (2018). Towards an Interpretable Latent Space — An Intuitive Comparison of Autoencoders with Variational Autoencoders. Workshop on Visualization for AI Explainability (VISxAI), IEEE VIS.",
    "https://thilospinner.com/towards-an-interpretable-latent-space/", "the paper this article reproduces"],
  ["Kingma, D. P., Welling, M. (2014). Auto-Encoding Variational Bayes. ICLR.", "https://arxiv.org/abs/1312.6114",
    "the VAE, the reparameterisation trick, the closed-form KL (appendix B)"],
  ["Rezende, D. J., Mohamed, S., Wierstra, D. (2014). Stochastic Backpropagation and Approximate Inference in Deep Generative Models. ICML.",
    "https://arxiv.org/abs/1401.4082", "the same trick, found independently"],
  ["Hinton, G. E., Salakhutdinov, R. R. (2006). Reducing the Dimensionality of Data with Neural Networks. Science 313.",
    "https://doi.org/10.1126/science.1127647", "deep autoencoders"],
  ["Higgins, I. et al. (2017). β-VAE: Learning Basic Visual Concepts with a Constrained Variational Framework. ICLR.",
    "https://openreview.net/forum?id=Sy2fzU9gl", "sections 3 and 10"],
  ["Zhao, S., Song, J., Ermon, S. (2019). InfoVAE: Balancing Learning and Inference in Variational Autoencoders. AAAI.",
    "https://arxiv.org/abs/1706.02262", "MMD instead of the KL, section 10"],
  ["Alemi, A. A. et al. (2018). Fixing a Broken ELBO. ICML.", "https://arxiv.org/abs/1711.00464",
    "rate and distortion of a VAE; the rate bounds I(x; z), section 8"],
  ["Burda, Y., Grosse, R., Salakhutdinov, R. (2016). Importance Weighted Autoencoders. ICLR.", "https://arxiv.org/abs/1509.00519",
    "the importance-weighted bound, section 3"],
  ["Shannon, C. E. (1948). A Mathematical Theory of Communication. Bell System Technical Journal 27.",
    "https://doi.org/10.1002/j.1538-7305.1948.tb01338.x", "bits, rate and distortion"],
  ["LeCun, Y., Cortes, C., Burges, C. J. C. The MNIST database of handwritten digits.", "http://yann.lecun.com/exdb/mnist/",
    "the data"],
  ["Rousseeuw, P. J. (1987). Silhouettes. Journal of Computational and Applied Mathematics 20.",
    "https://doi.org/10.1016/0377-0427(87)90125-7", "the silhouette score, Figure 5"],
  ["Petroff, M. A. (2021). Accessible Color Sequences for Data Visualization.", "https://arxiv.org/abs/2107.02270",
    "the label colours"],
  ["Wang, Z. J. et al. (2020). CNN Explainer: Learning Convolutional Neural Networks with Interactive Visualization. IEEE VIS.",
    "https://arxiv.org/abs/2004.15004", "how an explorable explanation of a network can look"],
];

/** The reference list as HTML. */
export function referencesSection() {
  return `<ol class="references">${REFERENCES.map(([text, href, why]) =>
    `<li>${text} <a href="${href}" rel="noreferrer">${href.replace(/^https?:\/\//, "")}</a> <span class="why">— ${why}</span></li>`).join("")}</ol>`;
}
