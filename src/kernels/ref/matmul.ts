import type { FloatArray } from '../types.js';

const MR = 4;
const NR = 4;
const MC = 64;
const KC = 256;
const NC = 512;

let packA = new Float64Array(0);
let packB = new Float64Array(0);
const edge = new Float64Array(MR * NR);

function packBlockA(a: FloatArray, transA: boolean, m: number, k: number, i0: number, mc: number, p0: number, kc: number, dst: Float64Array): void {
  let d = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    for (let p = p0; p < p0 + kc; p++) {
      for (let r = 0; r < MR; r++) {
        const i = i0 + ir + r;
        dst[d++] = ir + r < mc ? (transA ? a[p * m + i] : a[i * k + p]) : 0;
      }
    }
  }
}

function packPanelB(b: FloatArray, transB: boolean, n: number, k: number, p0: number, kc: number, j0: number, nc: number, dst: Float64Array): void {
  let d = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    for (let p = p0; p < p0 + kc; p++) {
      for (let c = 0; c < NR; c++) {
        const j = j0 + jr + c;
        dst[d++] = jr + c < nc ? (transB ? b[j * k + p] : b[p * n + j]) : 0;
      }
    }
  }
}

function micro(pa: Float64Array, ia: number, pb: Float64Array, ib: number, kc: number, out: FloatArray, o: number, n: number, rows: number, cols: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = pa[ia], a1 = pa[ia + 1], a2 = pa[ia + 2], a3 = pa[ia + 3];
    const b0 = pb[ib], b1 = pb[ib + 1], b2 = pb[ib + 2], b3 = pb[ib + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ia += MR;
    ib += NR;
  }
  if (rows === MR && cols === NR) {
    out[o] += c00; out[o + 1] += c01; out[o + 2] += c02; out[o + 3] += c03; o += n;
    out[o] += c10; out[o + 1] += c11; out[o + 2] += c12; out[o + 3] += c13; o += n;
    out[o] += c20; out[o + 1] += c21; out[o + 2] += c22; out[o + 3] += c23; o += n;
    out[o] += c30; out[o + 1] += c31; out[o + 2] += c32; out[o + 3] += c33;
    return;
  }
  edge[0] = c00; edge[1] = c01; edge[2] = c02; edge[3] = c03;
  edge[4] = c10; edge[5] = c11; edge[6] = c12; edge[7] = c13;
  edge[8] = c20; edge[9] = c21; edge[10] = c22; edge[11] = c23;
  edge[12] = c30; edge[13] = c31; edge[14] = c32; edge[15] = c33;
  storeEdge(out, o, n, rows, cols);
}

function storeEdge(out: FloatArray, o: number, n: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[o + r * n + c] += edge[r * NR + c];
}

export function matmul(a: FloatArray, b: FloatArray, out: FloatArray, m: number, n: number, k: number, transA: boolean, transB: boolean): void {
  out.fill(0, 0, m * n);
  if (k === 0) return;
  const kcMax = Math.min(KC, k);
  const needA = Math.ceil(Math.min(MC, m) / MR) * MR * kcMax;
  const needB = Math.ceil(Math.min(NC, n) / NR) * NR * kcMax;
  if (packA.length < needA) packA = new Float64Array(needA);
  if (packB.length < needB) packB = new Float64Array(needB);
  const pa = packA, pb = packB;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      packPanelB(b, transB, n, k, p0, kc, j0, nc, pb);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packBlockA(a, transA, m, k, i0, mc, p0, kc, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = Math.min(MR, mc - ir);
            micro(pa, ir * kc, pb, jr * kc, kc, out, (i0 + ir) * n + j0 + jr, n, rows, cols);
          }
        }
      }
    }
  }
}
