// Convolution without an im2col matrix ("implicit GEMM"), NHWC, float32, 128-bit SIMD.
//
// Each image is first staged into per-thread scratch: its pixels placed on a zeroed grid (hs x ws), at
// (y * dy + offy, x * dx + offx). For a forward convolution that is the zero-padded image (dy = dx = 1, offsets
// = top/left pads); for the gradient with respect to the input it is the output gradient spread out by the
// strides and padded by k - 1 - pad, which turns the transposed convolution into a plain stride-1 convolution
// with the kernel rotated by 180 degrees. On the staged grid every window lies inside, and the kw * c values of
// one window row are contiguous, so a window row is a run the micro-kernels stream through.
//
// Kernels (one image at a time, so threads split the batch and every output is computed in the same order
// whatever the split):
// - convTile: 4 output pixels x 8 output channels in 8 accumulators, over the window's kh runs: the GEMM
//   micro-kernel of gemm.ts with A read from four pixel pointers instead of a packed sliver.
// - convDot: fewer than 4 output channels (an image's last layer): dot products along the runs, 4 pixels at
//   a time, vectorised over the run.
// - filterTile / filterDot: the kernel gradient of one image, sum over its pixels of patch (x) gradient, into a
//   per-image slot; the caller sums the slots in image order (so the split cannot change the rounding).
//
// The caller (src/kernels/wasm/conv.ts) fills a descriptor in memory, packs the weights, and allocates the
// scratch; field offsets below must match it. jobs.ts dispatches descriptors to patchJob.

import { im2col, col2im } from './conv';
import { maxPool, maxUnpool } from './pool';

const KIND = 0, A = 4, B = 8, OUT = 12, G = 16;
const H = 20, W = 24, C = 28, KH = 32, KW = 36, SH = 40, SW = 44, PT = 48, PL = 52, OH = 56, OW = 60;
const COUT = 64, DY = 68, DX = 72, OFFY = 76, OFFX = 80, HS = 84, WS = 88;

export const JOB_CONV = 1, JOB_FILTER = 2, JOB_IM2COL = 3, JOB_COL2IM = 4, JOB_MAXPOOL = 5, JOB_MAXUNPOOL = 6;

// @ts-ignore: decorator
@inline
function f(d: usize, at: i32): i32 {
  return load<i32>(d + <usize>at);
}
// @ts-ignore: decorator
@inline
function p(d: usize, at: i32): usize {
  return <usize>load<u32>(d + <usize>at);
}

/** Places image b of the source onto the zeroed grid at dst (only the placed pixels are written). */
function stage(d: usize, b: i32, dst: usize): void {
  const h = f(d, H), w = f(d, W), c = f(d, C), dy = f(d, DY), dx = f(d, DX), offy = f(d, OFFY), offx = f(d, OFFX);
  const hs = f(d, HS), ws = f(d, WS);
  const src = p(d, A) + <usize>b * <usize>(h * w * c) * 4;
  for (let y = 0; y < h; y++) {
    const t = y * dy + offy;
    if (t < 0 || t >= hs) continue;
    const srow = src + <usize>(y * w * c) * 4, drow = dst + <usize>(t * ws * c) * 4;
    if (dx == 1) {
      const x0 = max(0, -offx), x1 = min(w, ws - offx);
      if (x1 > x0) memory.copy(drow + <usize>((x0 + offx) * c) * 4, srow + <usize>(x0 * c) * 4, <usize>((x1 - x0) * c) * 4);
    } else {
      for (let x = 0; x < w; x++) {
        const u = x * dx + offx;
        if (u >= 0 && u < ws) memory.copy(drow + <usize>(u * c) * 4, srow + <usize>(x * c) * 4, <usize>c * 4);
      }
    }
  }
}

// 4 pixels x 8 channels; wp walks the packed [K][8] sliver. Stores the valid rows x cols of the tile.
function convTile(p0: usize, p1: usize, p2: usize, p3: usize, kh: i32, run: i32, rowB: usize, wp: usize, o: usize, ldo: usize, rows: i32, cols: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let ky = 0; ky < kh; ky++) {
    let a0 = p0 + <usize>ky * rowB, a1 = p1 + <usize>ky * rowB, a2 = p2 + <usize>ky * rowB, a3 = p3 + <usize>ky * rowB;
    for (let j = 0; j < run; j++) {
      const b0 = v128.load(wp), b1 = v128.load(wp, 16);
      const x0 = v128.load32_splat(a0);
      c00 = f32x4.add(c00, f32x4.mul(x0, b0));
      c01 = f32x4.add(c01, f32x4.mul(x0, b1));
      const x1 = v128.load32_splat(a1);
      c10 = f32x4.add(c10, f32x4.mul(x1, b0));
      c11 = f32x4.add(c11, f32x4.mul(x1, b1));
      const x2 = v128.load32_splat(a2);
      c20 = f32x4.add(c20, f32x4.mul(x2, b0));
      c21 = f32x4.add(c21, f32x4.mul(x2, b1));
      const x3 = v128.load32_splat(a3);
      c30 = f32x4.add(c30, f32x4.mul(x3, b0));
      c31 = f32x4.add(c31, f32x4.mul(x3, b1));
      a0 += 4; a1 += 4; a2 += 4; a3 += 4;
      wp += 32;
    }
  }
  if (rows == 4 && cols == 8) {
    v128.store(o, c00); v128.store(o, c01, 16); o += ldo;
    v128.store(o, c10); v128.store(o, c11, 16); o += ldo;
    v128.store(o, c20); v128.store(o, c21, 16); o += ldo;
    v128.store(o, c30); v128.store(o, c31, 16);
    return;
  }
  storeEdge(o, ldo, rows, cols, c00, c01, c10, c11, c20, c21, c30, c31);
}

function storeEdge(o: usize, ldo: usize, rows: i32, cols: i32, c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128): void {
  for (let r = 0; r < rows; r++) {
    const lo = r == 0 ? c00 : r == 1 ? c10 : r == 2 ? c20 : c30;
    const hi = r == 0 ? c01 : r == 1 ? c11 : r == 2 ? c21 : c31;
    const row = o + <usize>r * ldo;
    for (let j = 0; j < cols; j++) {
      const v = j < 4 ? lo : hi;
      const l = j & 3;
      store<f32>(row + <usize>j * 4, l == 0 ? f32x4.extract_lane(v, 0) : l == 1 ? f32x4.extract_lane(v, 1) : l == 2 ? f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 3));
    }
  }
}

// @ts-ignore: decorator
@inline
function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// Output channel `co` of 4 pixels: dot products of their windows with the packed kernel column wp [K].
function convDot(p0: usize, p1: usize, p2: usize, p3: usize, kh: i32, run: i32, rowB: usize, wp: usize, o: usize, ldo: usize, rows: i32): void {
  let v0 = f32x4.splat(0), v1 = f32x4.splat(0), v2 = f32x4.splat(0), v3 = f32x4.splat(0);
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
  for (let ky = 0; ky < kh; ky++) {
    const r = <usize>ky * rowB;
    let j = 0;
    for (; j + 4 <= run; j += 4) {
      const q = <usize>j * 4;
      const k = v128.load(wp + q);
      v0 = f32x4.add(v0, f32x4.mul(v128.load(p0 + r + q), k));
      v1 = f32x4.add(v1, f32x4.mul(v128.load(p1 + r + q), k));
      v2 = f32x4.add(v2, f32x4.mul(v128.load(p2 + r + q), k));
      v3 = f32x4.add(v3, f32x4.mul(v128.load(p3 + r + q), k));
    }
    for (; j < run; j++) {
      const q = <usize>j * 4;
      const k = load<f32>(wp + q);
      s0 += load<f32>(p0 + r + q) * k;
      s1 += load<f32>(p1 + r + q) * k;
      s2 += load<f32>(p2 + r + q) * k;
      s3 += load<f32>(p3 + r + q) * k;
    }
    wp += <usize>run * 4;
  }
  store<f32>(o, hsum(v0) + s0);
  if (rows > 1) store<f32>(o + ldo, hsum(v1) + s1);
  if (rows > 2) store<f32>(o + 2 * ldo, hsum(v2) + s2);
  if (rows > 3) store<f32>(o + 3 * ldo, hsum(v3) + s3);
}

/** Images [b0, b1): out[b] = conv(staged image b, packed weights). */
function convImages(d: usize, b0: i32, b1: i32, scratch: usize): void {
  const c = f(d, C), kh = f(d, KH), kw = f(d, KW), sh = f(d, SH), sw = f(d, SW), oh = f(d, OH), ow = f(d, OW);
  const cout = f(d, COUT), hs = f(d, HS), ws = f(d, WS);
  const run = kw * c, K = kh * run, P = oh * ow;
  const rowB = <usize>(ws * c) * 4, ldo = <usize>cout * 4;
  const wpk = p(d, B);
  memory.fill(scratch, 0, <usize>(hs * ws * c) * 4);
  for (let b = b0; b < b1; b++) {
    stage(d, b, scratch);
    const out = p(d, OUT) + <usize>b * <usize>(P * cout) * 4;
    // Window addresses of pixels q..q+3, stepping (oy, ox) along (no divisions: with 9-tap kernels over one
    // channel a tile is only 9 multiply-add steps, and four divisions per tile cost as much).
    let oy = 0, ox = 0;
    const pixB = <usize>(sw * c) * 4, rowB2 = <usize>(sh * ws * c) * 4;
    let cur = scratch;
    for (let q = 0; q < P; q += 4) {
      const rows = min(4, P - q);
      // Tail pixels repeat the last one: computed, not stored.
      const w0 = cur;
      if (++ox == ow) { ox = 0; oy++; cur = scratch + <usize>oy * rowB2; } else cur += pixB;
      const w1 = rows > 1 ? cur : w0;
      if (++ox == ow) { ox = 0; oy++; cur = scratch + <usize>oy * rowB2; } else cur += pixB;
      const w2 = rows > 2 ? cur : w1;
      if (++ox == ow) { ox = 0; oy++; cur = scratch + <usize>oy * rowB2; } else cur += pixB;
      const w3 = rows > 3 ? cur : w2;
      if (++ox == ow) { ox = 0; oy++; cur = scratch + <usize>oy * rowB2; } else cur += pixB;
      const o = out + <usize>q * ldo;
      if (cout < 4) {
        for (let co = 0; co < cout; co++) convDot(w0, w1, w2, w3, kh, run, rowB, wpk + <usize>(co * K) * 4, o + <usize>co * 4, ldo, rows);
      } else {
        for (let s = 0; s < cout; s += 8) {
          convTile(w0, w1, w2, w3, kh, run, rowB, wpk + <usize>(s * K) * 4, o + <usize>s * 4, ldo, rows, min(8, cout - s));
        }
      }
    }
  }
}

// ---------------------------------------------------------------- kernel gradient

// dst[r * ldd + j] = sum over the image's pixels of window[off_r] * g[pixel, j], for 4 window offsets x 8
// channels; g rows are `gstride` bytes apart.
function filterTile(
  xs: usize, o0: usize, o1: usize, o2: usize, o3: usize, oh: i32, ow: i32, pixStepB: usize, rowStepB: usize,
  gp: usize, gstride: usize, dst: usize, ldd: usize, rows: i32, cols: i32,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let oy = 0; oy < oh; oy++) {
    let base = xs + <usize>oy * rowStepB;
    for (let ox = 0; ox < ow; ox++) {
      const b0 = v128.load(gp), b1 = v128.load(gp, 16);
      const x0 = v128.load32_splat(base + o0);
      c00 = f32x4.add(c00, f32x4.mul(x0, b0));
      c01 = f32x4.add(c01, f32x4.mul(x0, b1));
      const x1 = v128.load32_splat(base + o1);
      c10 = f32x4.add(c10, f32x4.mul(x1, b0));
      c11 = f32x4.add(c11, f32x4.mul(x1, b1));
      const x2 = v128.load32_splat(base + o2);
      c20 = f32x4.add(c20, f32x4.mul(x2, b0));
      c21 = f32x4.add(c21, f32x4.mul(x2, b1));
      const x3 = v128.load32_splat(base + o3);
      c30 = f32x4.add(c30, f32x4.mul(x3, b0));
      c31 = f32x4.add(c31, f32x4.mul(x3, b1));
      base += pixStepB;
      gp += gstride;
    }
  }
  if (rows == 4 && cols == 8) {
    v128.store(dst, c00); v128.store(dst, c01, 16); dst += ldd;
    v128.store(dst, c10); v128.store(dst, c11, 16); dst += ldd;
    v128.store(dst, c20); v128.store(dst, c21, 16); dst += ldd;
    v128.store(dst, c30); v128.store(dst, c31, 16);
    return;
  }
  storeEdge(dst, ldd, rows, cols, c00, c01, c10, c11, c20, c21, c30, c31);
}

// Fewer than 4 channels: for one channel (g at gp, gstride apart), `nv` vectors (1 or 4) of consecutive window
// values from offset `off`, summed over the pixels; dst[i * ldd] for the 4 * nv values. Inlined into one
// function per nv, so the inner loop has no branch on it.
// @ts-ignore: decorator
@inline
function filterRunN(
  xs: usize, off: usize, nv: i32, oh: i32, ow: i32, pixStepB: usize, rowStepB: usize,
  gp: usize, gstride: usize, dst: usize, ldd: usize,
): void {
  let v0 = f32x4.splat(0), v1 = f32x4.splat(0), v2 = f32x4.splat(0), v3 = f32x4.splat(0);
  for (let oy = 0; oy < oh; oy++) {
    let base = xs + <usize>oy * rowStepB + off;
    for (let ox = 0; ox < ow; ox++) {
      const g = v128.load32_splat(gp);
      v0 = f32x4.add(v0, f32x4.mul(v128.load(base), g));
      if (nv == 4) {
        v1 = f32x4.add(v1, f32x4.mul(v128.load(base, 16), g));
        v2 = f32x4.add(v2, f32x4.mul(v128.load(base, 32), g));
        v3 = f32x4.add(v3, f32x4.mul(v128.load(base, 48), g));
      }
      base += pixStepB;
      gp += gstride;
    }
  }
  for (let i = 0; i < 4 * nv; i++) {
    const v = i < 4 ? v0 : i < 8 ? v1 : i < 12 ? v2 : v3;
    const l = i & 3;
    store<f32>(dst + <usize>i * ldd, l == 0 ? f32x4.extract_lane(v, 0) : l == 1 ? f32x4.extract_lane(v, 1) : l == 2 ? f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 3));
  }
}

function filterRun16(xs: usize, off: usize, oh: i32, ow: i32, pixStepB: usize, rowStepB: usize, gp: usize, gstride: usize, dst: usize, ldd: usize): void {
  filterRunN(xs, off, 4, oh, ow, pixStepB, rowStepB, gp, gstride, dst, ldd);
}
function filterRun4(xs: usize, off: usize, oh: i32, ow: i32, pixStepB: usize, rowStepB: usize, gp: usize, gstride: usize, dst: usize, ldd: usize): void {
  filterRunN(xs, off, 1, oh, ow, pixStepB, rowStepB, gp, gstride, dst, ldd);
}

function filterScalar(xs: usize, off: usize, oh: i32, ow: i32, pixStepB: usize, rowStepB: usize, gp: usize, gstride: usize): f32 {
  let s: f32 = 0;
  for (let oy = 0; oy < oh; oy++) {
    let base = xs + <usize>oy * rowStepB + off;
    for (let ox = 0; ox < ow; ox++) {
      s += load<f32>(base) * load<f32>(gp);
      base += pixStepB;
      gp += gstride;
    }
  }
  return s;
}

/**
 * Images [b0, b1): slot b of `out` ([n][K][cout]) = the kernel gradient of image b alone. Scratch: the staged
 * image, then (cout >= 4 and not a multiple of 8) its gradient rows padded to whole slivers of 8, then the
 * window offsets of the K kernel rows.
 */
function filterImages(d: usize, b0: i32, b1: i32, scratch: usize): void {
  const c = f(d, C), kh = f(d, KH), kw = f(d, KW), sh = f(d, SH), sw = f(d, SW), oh = f(d, OH), ow = f(d, OW);
  const cout = f(d, COUT), hs = f(d, HS), ws = f(d, WS);
  const run = kw * c, K = kh * run, P = oh * ow;
  const pixStepB = <usize>(sw * c) * 4, rowStepB = <usize>(sh * ws * c) * 4;
  const xs = scratch;
  const padG = cout >= 4 && (cout & 7) != 0;
  const gw = padG ? (cout + 7) & ~7 : cout; // floats per staged gradient row
  const gs = xs + <usize>(hs * ws * c) * 4;
  const koff = gs + (padG ? <usize>(P * gw) * 4 : 0);
  const Kt = (K + 3) & ~3;
  for (let k = 0; k < Kt; k++) {
    // Byte offset of kernel row k = (ky, kx, ci) inside a window; rows past K repeat offset 0 (not stored).
    const ky = k < K ? k / run : 0, rest = k < K ? k - ky * run : 0;
    store<i32>(koff + <usize>k * 4, (ky * ws * c + rest) * 4);
  }
  memory.fill(xs, 0, <usize>(hs * ws * c) * 4);
  if (padG) memory.fill(gs, 0, <usize>(P * gw) * 4);
  const ldd = <usize>cout * 4;
  for (let b = b0; b < b1; b++) {
    stage(d, b, xs);
    let gimg = p(d, G) + <usize>b * <usize>(P * cout) * 4;
    if (padG) {
      for (let q = 0; q < P; q++) memory.copy(gs + <usize>(q * gw) * 4, gimg + <usize>(q * cout) * 4, <usize>cout * 4);
      gimg = gs;
    }
    const gstride = <usize>gw * 4;
    const slot = p(d, OUT) + <usize>b * <usize>(K * cout) * 4;
    if (cout >= 4) {
      for (let k = 0; k < K; k += 4) {
        const o0 = <usize>load<i32>(koff + <usize>k * 4), o1 = <usize>load<i32>(koff + <usize>(k + 1) * 4);
        const o2 = <usize>load<i32>(koff + <usize>(k + 2) * 4), o3 = <usize>load<i32>(koff + <usize>(k + 3) * 4);
        for (let s = 0; s < cout; s += 8) {
          filterTile(xs, o0, o1, o2, o3, oh, ow, pixStepB, rowStepB, gimg + <usize>s * 4, gstride,
            slot + <usize>(k * cout + s) * 4, ldd, min(4, K - k), min(8, cout - s));
        }
      }
    } else {
      for (let co = 0; co < cout; co++) {
        const gp = gimg + <usize>co * 4;
        for (let ky = 0; ky < kh; ky++) {
          const rowOff = <usize>(ky * ws * c) * 4;
          let j = 0;
          for (; j + 16 <= run; j += 16) filterRun16(xs, rowOff + <usize>j * 4, oh, ow, pixStepB, rowStepB, gp, gstride, slot + <usize>((ky * run + j) * cout + co) * 4, ldd);
          for (; j + 4 <= run; j += 4) filterRun4(xs, rowOff + <usize>j * 4, oh, ow, pixStepB, rowStepB, gp, gstride, slot + <usize>((ky * run + j) * cout + co) * 4, ldd);
          for (; j < run; j++) {
            store<f32>(slot + <usize>((ky * run + j) * cout + co) * 4, filterScalar(xs, rowOff + <usize>j * 4, oh, ow, pixStepB, rowStepB, gp, gstride));
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- dispatch

/** Images [b0, b1) of the convolution / pooling job described at `d`, with this thread's scratch (jobs.ts). */
export function patchJob(d: usize, b0: i32, b1: i32, scratch: usize): void {
  if (b1 <= b0) return;
  const kind = f(d, KIND);
  if (kind == JOB_CONV) {
    convImages(d, b0, b1, scratch);
    return;
  }
  if (kind == JOB_FILTER) {
    filterImages(d, b0, b1, scratch);
    return;
  }
  const h = f(d, H), w = f(d, W), c = f(d, C), kh = f(d, KH), kw = f(d, KW), sh = f(d, SH), sw = f(d, SW);
  const pt = f(d, PT), pl = f(d, PL), oh = f(d, OH), ow = f(d, OW);
  if (kind == JOB_IM2COL) im2col(p(d, A), p(d, OUT), h, w, c, kh, kw, sh, sw, pt, pl, oh, ow, b0, b1);
  else if (kind == JOB_COL2IM) col2im(p(d, A), p(d, OUT), h, w, c, kh, kw, sh, sw, pt, pl, oh, ow, b0, b1);
  else if (kind == JOB_MAXPOOL) maxPool(p(d, A), p(d, B), p(d, OUT), h, w, c, kh, kw, sh, sw, pt, pl, oh, ow, b0, b1);
  else if (kind == JOB_MAXUNPOOL) maxUnpool(p(d, A), p(d, B), p(d, OUT), h, w, c, kh, kw, sh, sw, pt, pl, oh, ow, b0, b1);
}
