// Reads the safetensors format (https://github.com/huggingface/safetensors): an unsigned 64-bit little-endian
// header length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {...}}, then the
// raw little-endian tensor bytes. Float16 tensors are widened to Float32Array, so callers see one float type.

/**
 * Parse safetensors bytes.
 * @param {Uint8Array} bytes the whole file
 * @returns {{tensors: Object<string, {dtype: string, shape: number[], data: Float32Array|Uint8Array|Int8Array}>,
 *            metadata: Object<string, string>}}
 */
export function readSafetensors(bytes) {
  if (bytes.byteLength < 8) throw new Error("not a safetensors file: shorter than its 8-byte header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true);
  if (view.getUint32(4, true) !== 0 || 8 + headerLength > bytes.byteLength) {
    throw new Error("not a safetensors file: its header length points past the end");
  }
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const start = 8 + headerLength;
  const tensors = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const [begin, end] = info.data_offsets;
    if (start + end > bytes.byteLength || begin > end) throw new Error(`safetensors: ${name} lies past the end`);
    const raw = bytes.subarray(start + begin, start + end);
    tensors[name] = { dtype: info.dtype, shape: info.shape, data: decode(info.dtype, raw, name) };
  }
  return { tensors, metadata: header.__metadata__ || {} };
}

function decode(dtype, raw, name) {
  switch (dtype) {
    case "U8":
      return raw;
    case "I8":
      return new Int8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    case "F32":
      return typedView(Float32Array, raw);
    case "F16":
      return halfToFloat(typedView(Uint16Array, raw));
    default:
      throw new Error(`safetensors: ${name} has dtype ${dtype}; the explorer reads F32, F16, U8 and I8`);
  }
}

// A typed view needs its byte offset to be a multiple of the element size; copy the bytes when it is not.
function typedView(Type, raw) {
  const bytes = raw.byteOffset % Type.BYTES_PER_ELEMENT === 0 ? raw : raw.slice();
  return new Type(bytes.buffer, bytes.byteOffset, bytes.byteLength / Type.BYTES_PER_ELEMENT);
}

/**
 * IEEE 754 half-precision bit patterns to Float32Array.
 * @param {Uint16Array} halves
 */
function halfToFloat(halves) {
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) {
    const h = halves[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) out[i] = sign * fraction * 2 ** -24; // subnormal
    else if (exponent === 31) out[i] = fraction ? NaN : sign * Infinity;
    else out[i] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  return out;
}
