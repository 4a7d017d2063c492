import type { FloatArray } from '../types.js';

/**
 * Reduces dense [outer, n, inner] along the middle axis. Sums accumulate in a JS number (float64) even for
 * float32 data, so long reductions do not drift. max propagates NaN (a NaN anywhere gives NaN).
 */
export function reduce(op: 'sum' | 'max', x: FloatArray, outer: number, n: number, inner: number, out: FloatArray): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * n;
      if (op === 'sum') {
        let s = 0;
        for (let i = 0; i < n; i++) s += x[base + i];
        out[o] = s;
      } else {
        let m = -Infinity;
        for (let i = 0; i < n; i++) {
          const v = x[base + i];
          if (v > m || Number.isNaN(v)) m = v;
          if (Number.isNaN(m)) break;
        }
        out[o] = m;
      }
    }
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    if (op === 'sum') {
      acc.fill(0);
      for (let i = 0; i < n; i++) {
        const row = base + i * inner;
        for (let j = 0; j < inner; j++) acc[j] += x[row + j];
      }
    } else {
      acc.fill(-Infinity);
      for (let i = 0; i < n; i++) {
        const row = base + i * inner;
        for (let j = 0; j < inner; j++) {
          const v = x[row + j];
          if (v > acc[j] || Number.isNaN(v)) acc[j] = Number.isNaN(acc[j]) ? acc[j] : v;
        }
      }
    }
    out.set(acc, o * inner);
  }
}
