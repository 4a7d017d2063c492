// GEMM: C[m,n] = op(A)[m,k] @ op(B)[k,n], float32, 128-bit SIMD. Pointers are byte offsets into the one
// (shared) linear memory; the JS side owns all allocation, including this routine's packing workspace, so the
// module has no heap, no globals that change, and can run in several worker threads on the same memory.
//
// Structure (Goto/BLIS): for each K block, pack a KC x NC panel of op(B) into NR-column slivers and an MC x KC
// block of op(A) into MR-row slivers, then run a register-blocked MR x NR micro-kernel over the block.
//
// Why MR x NR = 4 x 8: V8's x64 back end allocates 16 xmm registers. 4 x 8 needs 8 accumulators + 2 B
// vectors + a broadcast A value + a product temporary and compiles without spills; every larger tile tried
// (6x8, 4x12, 8x8, 3x16) spilled accumulators to the stack and ran 25-40% slower. Unrolling the k loop made
// TurboFan hoist all loads of the unrolled iterations and spill as well, so the loop is not unrolled.
// There is no fused multiply-add in plain SIMD128: each step is f32x4.mul + f32x4.add (Zen 4 issues both on
// separate pipes, so this costs front-end bandwidth, not throughput). Measured: ~43 GFLOP/s single-threaded at
// 256x784x256 on Zen 4, every transpose variant, i.e. ~83% of the 16 flop/cycle that mul + add allow.
//
// Threads split C by row ranges [row0, row1): each thread packs its own A blocks and (redundantly) its own B
// panels, and every element of C is accumulated in the same order whatever the split, so the result is
// bit-identical for any thread count.

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 2048;

const PACK_A_BYTES: i32 = MC * KC * 4;
const PACK_B_BYTES: i32 = KC * NC * 4;
const TILE_BYTES: i32 = MR * NR * 4;

/** Bytes of workspace one gemm call (one thread) needs. */
export function gemmWorkBytes(): i32 {
  return PACK_A_BYTES + PACK_B_BYTES + TILE_BYTES;
}

/** Rows of C handled per micro-tile: threads should split at multiples of this. */
export function gemmRowGrain(): i32 {
  return MR;
}

// Packs op(B)[p0:p0+kc, j0:j0+nc] into NR-wide slivers: sliver s holds, for each p, NR consecutive columns,
// zero-padded past nc. transB: B is stored [n, k], so op(B)[p, j] = B[j, p].
function packB(b: usize, transB: bool, n: i32, k: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    let d = dst + <usize>(jr * kc) * 4;
    if (!transB) {
      let s = b + (<usize>p0 * <usize>n + <usize>(j0 + jr)) * 4;
      const ld = <usize>n * 4;
      if (cols == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
          d += NR * 4;
          s += ld;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let c = 0; c < NR; c++) store<f32>(d + <usize>c * 4, c < cols ? load<f32>(s + <usize>c * 4) : 0);
          d += NR * 4;
          s += ld;
        }
      }
    } else if (cols == NR) {
      // Column j of op(B) is row j of stored B, contiguous in p: transpose 4x4 blocks in registers, two per
      // sliver (columns 0-3 and 4-7), four p at a time.
      const ld = <usize>k * 4;
      const s0 = b + (<usize>(j0 + jr) * <usize>k + <usize>p0) * 4;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        for (let h = 0; h < 2; h++) {
          const s = s0 + <usize>(4 * h) * ld + <usize>p * 4;
          const r0 = v128.load(s), r1 = v128.load(s + ld), r2 = v128.load(s + 2 * ld), r3 = v128.load(s + 3 * ld);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          const o = d + <usize>(p * NR + 4 * h) * 4;
          v128.store(o, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(o, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), NR * 4);
          v128.store(o, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 2 * NR * 4);
          v128.store(o, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 3 * NR * 4);
        }
      }
      for (; p < kc; p++) {
        const s = s0 + <usize>p * 4;
        for (let c = 0; c < NR; c++) store<f32>(d + <usize>(p * NR + c) * 4, load<f32>(s + <usize>c * ld));
      }
    } else {
      // Edge sliver: walk each column once, zero-fill the missing ones.
      for (let c = 0; c < NR; c++) {
        let o = d + <usize>c * 4;
        if (c < cols) {
          let s = b + (<usize>(j0 + jr + c) * <usize>k + <usize>p0) * 4;
          for (let p = 0; p < kc; p++) {
            store<f32>(o, load<f32>(s));
            o += NR * 4;
            s += 4;
          }
        } else {
          for (let p = 0; p < kc; p++) {
            store<f32>(o, 0);
            o += NR * 4;
          }
        }
      }
    }
  }
}

// Packs op(A)[i0:i0+mc, p0:p0+kc] into MR-tall slivers: for each p, MR consecutive rows, zero-padded past mc.
// transA: A is stored [k, m], so op(A)[i, p] = A[p, i] and the MR values of one p are contiguous.
function packA(a: usize, transA: bool, m: i32, k: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    let d = dst + <usize>(ir * kc) * 4;
    if (transA) {
      let s = a + (<usize>p0 * <usize>m + <usize>(i0 + ir)) * 4;
      const ld = <usize>m * 4;
      if (rows == MR) {
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(s));
          d += MR * 4;
          s += ld;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) store<f32>(d + <usize>r * 4, r < rows ? load<f32>(s + <usize>r * 4) : 0);
          d += MR * 4;
          s += ld;
        }
      }
    } else {
      const ld = <usize>k * 4;
      const s0 = a + (<usize>(i0 + ir) * <usize>k + <usize>p0) * 4;
      if (rows == MR) {
        // Four rows at a time, four p at a time: a 4x4 transpose in registers.
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const s = s0 + <usize>p * 4;
          const r0 = v128.load(s), r1 = v128.load(s + ld), r2 = v128.load(s + 2 * ld), r3 = v128.load(s + 3 * ld);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // a00 a10 a01 a11
          const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5); // a20 a30 a21 a31
          const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // a02 a12 a03 a13
          const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7); // a22 a32 a23 a33
          v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
          v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
          v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
          d += 16 * 4;
        }
        for (; p < kc; p++) {
          const s = s0 + <usize>p * 4;
          for (let r = 0; r < MR; r++) store<f32>(d + <usize>r * 4, load<f32>(s + <usize>r * ld));
          d += MR * 4;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const s = s0 + <usize>p * 4;
          for (let r = 0; r < MR; r++) store<f32>(d + <usize>r * 4, r < rows ? load<f32>(s + <usize>r * ld) : 0);
          d += MR * 4;
        }
      }
    }
  }
}

// The 4 x 8 micro-kernel: acc = sum_p A_sliver[:, p] (x) B_sliver[p, :], then C = acc (first K block) or
// C += acc. ldc is in bytes.
// @ts-ignore: decorator
@inline
function micro(pa: usize, pb: usize, kc: i32, c: usize, ldc: usize, first: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0));
    c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    const a1 = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a1, b0));
    c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    const a2 = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a2, b0));
    c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    const a3 = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a3, b0));
    c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    pa += MR * 4;
    pb += NR * 4;
  }
  if (!first) {
    c00 = f32x4.add(v128.load(c), c00);
    c01 = f32x4.add(v128.load(c, 16), c01);
    c10 = f32x4.add(v128.load(c + ldc), c10);
    c11 = f32x4.add(v128.load(c + ldc, 16), c11);
    c20 = f32x4.add(v128.load(c + 2 * ldc), c20);
    c21 = f32x4.add(v128.load(c + 2 * ldc, 16), c21);
    c30 = f32x4.add(v128.load(c + 3 * ldc), c30);
    c31 = f32x4.add(v128.load(c + 3 * ldc, 16), c31);
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + ldc, c10);
  v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20);
  v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30);
  v128.store(c + 3 * ldc, c31, 16);
}

function microFull(pa: usize, pb: usize, kc: i32, c: usize, ldc: usize, first: bool): void {
  micro(pa, pb, kc, c, ldc, first);
}

// Edge tile: compute the full 4 x 8 tile into scratch, then add/copy its valid rows x cols part into C. The
// sum for each element is formed exactly as in a full tile, so edge elements round the same way.
function microEdge(pa: usize, pb: usize, kc: i32, c: usize, n: i32, rows: i32, cols: i32, first: bool, tile: usize): void {
  micro(pa, pb, kc, tile, NR * 4, true);
  for (let r = 0; r < rows; r++) {
    const cr = c + <usize>r * <usize>n * 4;
    const tr = tile + <usize>(r * NR) * 4;
    for (let j = 0; j < cols; j++) {
      const o = cr + <usize>j * 4;
      const t = load<f32>(tr + <usize>j * 4);
      store<f32>(o, first ? t : load<f32>(o) + t);
    }
  }
}

/**
 * Computes rows [row0, row1) of C = op(A) @ op(B). A is [m,k] ([k,m] when transA), B is [k,n] ([n,k] when
 * transB), C is [m,n], all dense row-major. `work` must hold gemmWorkBytes() bytes owned by this caller.
 */
export function gemm(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool,
  work: usize, row0: i32, row1: i32,
): void {
  if (row1 <= row0 || n <= 0) return;
  if (k <= 0) {
    memory.fill(c + <usize>row0 * <usize>n * 4, 0, <usize>(row1 - row0) * <usize>n * 4);
    return;
  }
  const pa = work;
  const pb = work + PACK_A_BYTES;
  const tile = pb + PACK_B_BYTES;
  // Equal K blocks (784 = 4 x 196, not 3 x 256 + 16): a thin last block would pay a full C read/write pass.
  const kBlocks = (k + KC - 1) / KC;
  const kcStep = (k + kBlocks - 1) / kBlocks;
  const ldc = <usize>n * 4;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += kcStep) {
      const kc = min(kcStep, k - p0);
      const first = p0 == 0;
      packB(b, transB, n, k, p0, kc, j0, nc, pb);
      for (let i0 = row0; i0 < row1; i0 += MC) {
        const mc = min(MC, row1 - i0);
        packA(a, transA, m, k, i0, mc, p0, kc, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const bs = pb + <usize>(jr * kc) * 4;
          let cp = c + (<usize>i0 * <usize>n + <usize>(j0 + jr)) * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const as = pa + <usize>(ir * kc) * 4;
            if (rows == MR && cols == NR) microFull(as, bs, kc, cp, ldc, first);
            else microEdge(as, bs, kc, cp, n, rows, cols, first, tile);
            cp += ldc * MR;
          }
        }
      }
    }
  }
}
