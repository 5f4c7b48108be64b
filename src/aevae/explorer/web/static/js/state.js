// The one state object every view reads and updates, with a small publish/subscribe so views redraw only when a
// topic they care about changes. Topics: "inputs" (list or selection), "latent" (a reconstruction line moved),
// "active" (Show AE), "invert" (image polarity), "focus" (the input compared across models), "axes" (the parallel
// plot's axes span both models or fit the shown one), "mapscale" (the PCA maps' shared or own scales), "samples"
// (draws from the VAE's q(z|x)), "colourby" (what the training points are coloured by: class or a known factor), "hover" (the input whose line and row
// are highlighted).

/**
 * Create the shared state.
 * @param {object} fields initial data: models, active, inputs, latent, origin, invert, focus, hover, fit, mapScale,
 *   samples, colourBy
 * @returns {object} the fields, plus on(topic, fn) -> unsubscribe and emit(topic, detail)
 */
export function createState(fields) {
  const listeners = new Map();
  return {
    ...fields,
    on(topic, fn) {
      if (!listeners.has(topic)) listeners.set(topic, new Set());
      listeners.get(topic).add(fn);
      return () => listeners.get(topic).delete(fn);
    },
    emit(topic, detail = {}) {
      for (const fn of listeners.get(topic) || []) fn(detail);
    },
  };
}
