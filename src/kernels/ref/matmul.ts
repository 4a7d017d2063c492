import type { FloatArray } from '../types.js';

/** out[m,n] = op(a) @ op(b). Straightforward i-k-j loop; see the blocked version for speed. */
export function matmul(a: FloatArray, b: FloatArray, out: FloatArray, m: number, n: number, k: number, transA: boolean, transB: boolean): void {
  out.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = transA ? a[p * m + i] : a[i * k + p];
      for (let j = 0; j < n; j++) out[i * n + j] += av * (transB ? b[j * k + p] : b[p * n + j]);
    }
  }
}
