import type { FloatArray } from '../types.js';

/*
 * Cache-blocked GEMM in the GotoBLAS/BLIS style, written for what V8's optimising compiler does well.
 *
 * Why blocked: the naive i-k-j loop streams the whole of B through the cache once per row of A and
 * spends most of its time on loads/stores of `out`, not on arithmetic. Here every element loaded into
 * a register is reused MR or NR times, and every block of data is reused many times while it is hot.
 *
 * Loop nest (outer to inner):
 *   j0 over NC-wide column panels of out
 *     p0 over KC-deep slices of the shared dimension   -> pack op(b)[p0:+KC, j0:+NC] once
 *       i0 over MC-tall row blocks                     -> pack op(a)[i0:+MC, p0:+KC] once
 *         jr over NR-wide strips, ir over MR-tall strips -> micro-kernel: one MRxNR tile of out
 *
 * Packing copies the operands into Float64Array scratch in exactly the order the micro-kernel reads
 * them (strictly sequential, unit stride). That one copy is what makes the four transpose variants run
 * at the same speed: all layout differences are absorbed by the O(k*(m+n)) packing, not the O(m*n*k)
 * inner loop. It also converts float32 to double once instead of on every multiply, and keeps the
 * inner loop monomorphic (always Float64Array) whatever dtype the caller uses.
 *
 * Block sizes were tuned on a Zen 4 core with Node 20; throughput is flat (within ~5%) over a wide
 * range, because at this level a JIT-compiled scalar loop is bound by instruction count (bounds and
 * overflow checks per load) rather than by memory. 4x4 needs 8 loads per 16 multiply-adds; bigger
 * tiles (4x8, 8x4) run out of the 16 x64 xmm registers and spill, which cancels their gain.
 */
const MR = 4; // rows of the register tile (hard-wired in microKernel)
const NR = 4; // columns of the register tile (hard-wired in microKernel)
const MC = 64; // rows of a packed A block: 64*256 doubles = 128 KiB, stays in L2
const KC = 256; // depth of a packed slice: one B micro-panel (KC*NR doubles = 8 KiB) stays in L1
const NC = 256; // columns of a packed B panel: 512 KiB, stays in L2/L3

// Scratch reused across calls (grown on demand, never shrunk) so a training step allocates nothing here.
let packA = new Float64Array(0);
let packB = new Float64Array(0);
// Staging area for tiles that hang over the edge of out (only the valid part is written back).
const edgeTile = new Float64Array(MR * NR);

/**
 * Packs op(a)[i0:i0+mc, p0:p0+kc] as consecutive MR-row strips; within a strip, for each p the MR
 * values of column p are adjacent. Rows past mc are zero padding so the micro-kernel never branches;
 * they only feed tile rows that are discarded, so zeros (not NaN) there cannot leak into out.
 */
function packBlockA(a: FloatArray, transA: boolean, m: number, k: number, i0: number, mc: number, p0: number, kc: number, dst: Float64Array): void {
  let d = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = Math.min(MR, mc - ir);
    for (let p = p0; p < p0 + kc; p++) {
      for (let r = 0; r < MR; r++) {
        const i = i0 + ir + r;
        dst[d++] = r < rows ? (transA ? a[p * m + i] : a[i * k + p]) : 0;
      }
    }
  }
}

/** Packs op(b)[p0:p0+kc, j0:j0+nc] as consecutive NR-column strips, for each p NR adjacent values; zero-padded like A. */
function packPanelB(b: FloatArray, transB: boolean, n: number, k: number, p0: number, kc: number, j0: number, nc: number, dst: Float64Array): void {
  let d = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    for (let p = p0; p < p0 + kc; p++) {
      for (let c = 0; c < NR; c++) {
        const j = j0 + jr + c;
        dst[d++] = c < cols ? (transB ? b[j * k + p] : b[p * n + j]) : 0;
      }
    }
  }
}

/**
 * out[o.., ..] += (MR x kc strip of pa at ia) @ (kc x NR strip of pb at ib), for the top-left rows x cols.
 * The 16 accumulators are plain locals so TurboFan keeps (most of) them in registers; they are doubles,
 * so a float32 out gets one rounding per KC slice instead of one per multiply-add. Every product is
 * formed (no skipping of zeros), so NaN and Inf propagate exactly as in the naive loop.
 */
function microKernel(pa: Float64Array, ia: number, pb: Float64Array, ib: number, kc: number, out: FloatArray, o: number, n: number, rows: number, cols: number): void {
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
  // Always `+=`: out is zeroed up front, which keeps a single store path that is hot from the first
  // call (a separate "first slice stores, later slices add" path caused repeated deoptimisations).
  if (rows === MR && cols === NR) {
    out[o] += c00; out[o + 1] += c01; out[o + 2] += c02; out[o + 3] += c03; o += n;
    out[o] += c10; out[o + 1] += c11; out[o + 2] += c12; out[o + 3] += c13; o += n;
    out[o] += c20; out[o + 1] += c21; out[o + 2] += c22; out[o + 3] += c23; o += n;
    out[o] += c30; out[o + 1] += c31; out[o + 2] += c32; out[o + 3] += c33;
    return;
  }
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
  t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
  t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
  t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
  storeEdgeTile(out, o, n, rows, cols);
}

// Kept out of microKernel so the rare partial-tile loop does not bloat or destabilise the hot function.
function storeEdgeTile(out: FloatArray, o: number, n: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[o + r * n + c] += edgeTile[r * NR + c];
  }
}

/**
 * out[m,n] = op(a)[m,k] @ op(b)[k,n], overwriting out. op(a)[i,p] = transA ? a[p*m+i] : a[i*k+p];
 * op(b)[p,j] = transB ? b[j*k+p] : b[p*n+j]. All arrays start at index 0 and may be longer than needed.
 */
export function matmul(a: FloatArray, b: FloatArray, out: FloatArray, m: number, n: number, k: number, transA: boolean, transB: boolean): void {
  out.fill(0, 0, m * n);
  if (m === 0 || n === 0 || k === 0) return;

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
        // jr outer: one kc x NR strip of B stays in L1 while the A block streams past it from L2.
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            microKernel(pa, ir * kc, pb, jr * kc, kc, out, (i0 + ir) * n + j0 + jr, n, Math.min(MR, mc - ir), cols);
          }
        }
      }
    }
  }
}
