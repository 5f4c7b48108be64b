// A family's weights travel as int8 rows with a float32 scale per row (aevae.explorer.bundle.quantize): this
// turns them back into float32 tensors, q * scale rounded once to float32, exactly as Python does, so the page
// and PyTorch run the same numbers.

const SCALE = ".scale";

/**
 * Float32 tensors from safetensors tensors that may hold int8 rows with their scales (others pass through).
 * @param {Object<string, {dtype: string, shape: number[], data: ArrayLike<number>}>} tensors
 * @returns {Object<string, {dtype: string, shape: number[], data: Float32Array}>}
 */
export function dequantize(tensors) {
  const out = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (name.endsWith(SCALE)) continue;
    const scale = tensors[name + SCALE];
    if (!scale) {
      out[name] = t;
      continue;
    }
    const row = t.data.length / t.shape[0];
    const data = new Float32Array(t.data.length);
    for (let i = 0; i < data.length; i++) data[i] = t.data[i] * scale.data[Math.floor(i / row)];
    out[name] = { dtype: "F32", shape: t.shape, data };
  }
  return out;
}
