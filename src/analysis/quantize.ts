/**
 * Quantization of codes to one byte per value, per code dimension j over the n samples of a batch:
 *   min_j, max_j = the smallest and largest value of dimension j, stored as float32 (for float64 codes they
 *                  are rounded outwards to float32, so every value stays inside [min_j, max_j]);
 *   q   = round((v - min_j) / (max_j - min_j) * 255)   with Math.round: halves go up; q in 0..255;
 *   v'  = min_j + q * (max_j - min_j) / 255            q = 0 gives min_j and q = 255 gives max_j exactly;
 *   so |v - v'| <= (max_j - min_j) / 510, plus the float32 rounding of v' (half an ulp of v').
 *   A constant dimension (max_j = min_j) stores q = 0 and comes back exactly (v' = min_j = v).
 * A code with several axes (a conv model's feature map) is quantized flat: each of its values is a dimension.
 */

export interface QuantizedCodes {
  /** n * dim bytes, sample after sample. */
  bytes: Uint8Array;
  min: Float32Array;
  max: Float32Array;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
const FLOAT32_MAX = 3.4028234663852886e38;

/** The next float32 after the float32 `f`, towards -Infinity (dir -1) or +Infinity (dir 1). */
function nextFloat32(f: number, dir: 1 | -1): number {
  if (f === 0) return dir * 1.401298464324817e-45;
  F32[0] = f;
  U32[0] += (f > 0) === (dir > 0) ? 1 : -1;
  return F32[0];
}

/** The largest float32 <= x (dir -1) or the smallest float32 >= x (dir 1). */
function float32Toward(x: number, dir: 1 | -1): number {
  const f = Math.fround(x);
  return (dir < 0 ? f > x : f < x) ? nextFloat32(f, dir) : f;
}

function checkCounts(n: number, dim: number, what: string): void {
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${what}: n must be a positive integer, got ${n}`);
  if (!Number.isSafeInteger(dim) || dim <= 0) throw new Error(`${what}: dim must be a positive integer, got ${dim}`);
}

/**
 * Quantizes n codes of `dim` values (row-major [n, dim]) to one byte each against per-dimension min/max (see
 * the module comment for the exact rounding). Codes must be finite and within float32 range.
 */
export function quantizeCodes(codes: Float32Array | Float64Array, n: number, dim: number): QuantizedCodes {
  checkCounts(n, dim, 'quantizeCodes');
  if (!(codes instanceof Float32Array || codes instanceof Float64Array)) throw new Error('quantizeCodes: codes must be a Float32Array or Float64Array');
  if (codes.length !== n * dim) throw new Error(`quantizeCodes: codes has ${codes.length} values but n x dim = ${n} x ${dim} = ${n * dim}`);
  const min = new Float32Array(dim);
  const max = new Float32Array(dim);
  const lo = new Float64Array(dim).fill(Infinity);
  const hi = new Float64Array(dim).fill(-Infinity);
  for (let i = 0, p = 0; i < n; i++) {
    for (let j = 0; j < dim; j++, p++) {
      const v = codes[p];
      if (!Number.isFinite(v) || Math.abs(v) > FLOAT32_MAX) {
        throw new Error(`quantizeCodes: code ${i}, dimension ${j} is ${v} (codes must be finite float32 values; has the model diverged?)`);
      }
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
  }
  for (let j = 0; j < dim; j++) {
    min[j] = float32Toward(lo[j], -1);
    max[j] = float32Toward(hi[j], 1);
  }
  const bytes = new Uint8Array(n * dim);
  for (let i = 0, p = 0; i < n; i++) {
    for (let j = 0; j < dim; j++, p++) {
      const range = max[j] - min[j];
      if (range === 0) continue; // constant dimension: q = 0, dequantized to min exactly
      const q = Math.round(((codes[p] - min[j]) / range) * 255);
      bytes[p] = q < 0 ? 0 : q > 255 ? 255 : q;
    }
  }
  return { bytes, min, max };
}

/** The codes v' = min_j + q * (max_j - min_j) / 255 as float32, [n, dim] row-major (q = 0 / 255 give min / max exactly). */
export function dequantizeCodes(q: QuantizedCodes, n: number, dim: number): Float32Array {
  checkCounts(n, dim, 'dequantizeCodes');
  const { bytes, min, max } = q;
  if (!(bytes instanceof Uint8Array) || bytes.length !== n * dim) throw new Error(`dequantizeCodes: bytes must be a Uint8Array of n x dim = ${n * dim} values`);
  if (!(min instanceof Float32Array) || min.length !== dim || !(max instanceof Float32Array) || max.length !== dim) {
    throw new Error(`dequantizeCodes: min and max must be Float32Arrays of ${dim} values`);
  }
  const out = new Float32Array(n * dim);
  for (let i = 0, p = 0; i < n; i++) {
    for (let j = 0; j < dim; j++, p++) {
      const b = bytes[p];
      out[p] = b === 0 ? min[j] : b === 255 ? max[j] : min[j] + (b * (max[j] - min[j])) / 255;
    }
  }
  return out;
}
