// Whether a loaded model trained long enough, judged from its own numbers, and the one-line notice that says so
// with the command that trains it further. Two signs, each a measurement of the model in the slot:
// - its test loss (a VAE's −ELBO, an AE's BCE, nats/image) still fell by more than STILL_FALLING in its last epoch,
//   or it trained a single epoch (no curve to judge): the run stopped before it converged;
// - its first principal component carries COLLAPSED or more of the latent variance (d ≥ 2): the codes lie on a
//   line, as they do early in training or when the code collapsed.
// A model without a training history (the shipped pair, a model of your own) is judged by the second sign alone.

const STILL_FALLING = 0.01; // relative drop of the test loss over its last epoch that says "not converged": the paper's
// preset fell 1.1 % in epoch 6, 0.3 % in its 8th and last (docs/training.md)
const COLLAPSED = 0.9; // share of the latent variance on the first principal component
const LONGER = 8; // epochs the paper's preset trains: what a notice suggests at least

/**
 * The notice for one model's metadata (bundle.js), or null when neither sign shows.
 * @param {object} meta a slot's meta: kind, latent_dim, pca_explained_variance_ratio, source, and `training`
 *   ({epochs, loss, test_loss_nats_per_image}) where the run folder had a history
 * @returns {{text: string, command: string|null}|null}
 */
export function undertrained(meta) {
  const name = meta.kind.toUpperCase();
  const reasons = [];
  const curve = meta.training?.test_loss_nats_per_image ?? [];
  if (curve.length === 1) reasons.push(`it trained a single epoch (test ${meta.training.loss} ${curve[0].toFixed(1)} `
    + "nats/image), too few to tell whether it converged");
  else if (curve.length > 1) {
    const [before, last] = curve.slice(-2);
    const drop = (before - last) / last;
    if (drop > STILL_FALLING) reasons.push(`its test ${meta.training.loss} still fell ${(100 * drop).toFixed(1)} % in `
      + `its last epoch (${before.toFixed(1)} → ${last.toFixed(1)} nats/image)`);
  }
  const pc1 = meta.pca_explained_variance_ratio?.[0];
  if (meta.latent_dim >= 2 && pc1 >= COLLAPSED) reasons.push(`one principal component carries ${(100 * pc1).toFixed(0)} % `
    + "of its latent variance (its codes lie on a line)");
  if (!reasons.length) return null;
  const epochs = meta.training?.epochs;
  const run = meta.source && !meta.source.startsWith("shipped") ? meta.source : null;
  const command = run && epochs ? `aevae train --resume ${run} --epochs ${Math.max(LONGER, 2 * epochs)}` : null;
  return { text: `The ${name} looks undertrained: ${reasons.join(", and ")}.`, command };
}

/**
 * The notice under the explorer's header: one line per model that looks undertrained, nothing otherwise.
 * @param {HTMLElement} el container
 * @param {object} state the shared state
 */
export function createTrainingNotice(el, state) {
  function render() {
    el.replaceChildren();
    const said = new Set(); // one model of your own fills both slots: one line
    for (const model of Object.values(state.models)) {
      const found = undertrained(model.meta);
      if (!found || said.has(found.text)) continue;
      said.add(found.text);
      const line = document.createElement("p");
      line.className = "training-notice";
      line.dataset.slot = model.meta.slot ?? "";
      line.textContent = found.command ? `${found.text} Train it longer: ` : found.text;
      if (found.command) {
        const code = document.createElement("code");
        code.textContent = found.command;
        line.appendChild(code);
      }
      el.appendChild(line);
    }
    el.hidden = !el.childElementCount;
  }
  state.on("model", render);
  render();
  return { el };
}
