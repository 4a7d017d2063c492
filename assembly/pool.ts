// Max pooling over NHWC windows, as in src/kernels/ref/conv.ts (maxPool / maxUnpool): four channels at a time,
// each lane keeping the first maximal value of its window (a NaN wins and stays), positions in the padding
// skipped. The selection is the reference's exactly, so results are bit-identical.

// Take the new value where it is greater or NaN, unless the kept one is already NaN (as reduce.ts maxStep).
// @ts-ignore: decorator
@inline
function takeMask(m: v128, x: v128): v128 {
  return v128.and(v128.or(f32x4.gt(x, m), f32x4.ne(x, x)), f32x4.eq(m, m));
}

// @ts-ignore: decorator
@inline
function takeS(m: f32, x: f32): bool {
  return m == m && (x > m || x != x);
}

/**
 * Images [b0, b1): out[b, oy, ox, c] = v at the first maximum of x over the window (x, v [n, h, w, c]).
 * `first` marks the first in-image position of a window: its value is taken unconditionally.
 */
export function maxPool(
  x: usize, v: usize, out: usize, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
  b0: i32, b1: i32,
): void {
  let o = out + <usize>b0 * <usize>(oh * ow * c) * 4;
  const dv = v - x; // v's element at x's address + dv
  for (let b = b0; b < b1; b++) {
    const img = x + <usize>b * <usize>(h * w * c) * 4;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = max(oy * sh - pt, 0), y1 = min(oy * sh - pt + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = max(ox * sw - pl, 0), x1 = min(ox * sw - pl + kw, w);
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          let p = img + (<usize>(y0 * w + x0) * <usize>c + <usize>ch) * 4;
          let m = v128.load(p), val = v128.load(p + dv);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              p = img + (<usize>(iy * w + ix) * <usize>c + <usize>ch) * 4;
              const xv = v128.load(p);
              const t = takeMask(m, xv);
              m = v128.bitselect(xv, m, t);
              val = v128.bitselect(v128.load(p + dv), val, t);
            }
          }
          v128.store(o, val);
          o += 16;
        }
        for (; ch < c; ch++) {
          let p = img + (<usize>(y0 * w + x0) * <usize>c + <usize>ch) * 4;
          let m = load<f32>(p), val = load<f32>(p + dv);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              p = img + (<usize>(iy * w + ix) * <usize>c + <usize>ch) * 4;
              const xs = load<f32>(p);
              if (takeS(m, xs)) {
                m = xs;
                val = load<f32>(p + dv);
              }
            }
          }
          store<f32>(o, val);
          o += 4;
        }
      }
    }
  }
}

/** Images [b0, b1) of out = maxUnpool(x, grad): cleared, then each window's grad added at x's first maximum. */
export function maxUnpool(
  x: usize, grad: usize, out: usize, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
  b0: i32, b1: i32,
): void {
  const imgBytes = <usize>(h * w * c) * 4;
  if (sh == kh && sw == kw && (c & 3) == 0) {
    maxUnpoolTiled(x, grad, out, h, w, c, kh, kw, pt, pl, oh, ow, b0, b1);
    return;
  }
  memory.fill(out + <usize>b0 * imgBytes, 0, <usize>(b1 - b0) * imgBytes);
  let gp = grad + <usize>b0 * <usize>(oh * ow * c) * 4;
  const dOut = out - x; // out's element at x's address + dOut
  for (let b = b0; b < b1; b++) {
    const img = x + <usize>b * imgBytes;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = max(oy * sh - pt, 0), y1 = min(oy * sh - pt + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = max(ox * sw - pl, 0), x1 = min(ox * sw - pl + kw, w);
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          // Byte addresses of the winners, per lane; the four lanes are four channels, so they never collide.
          const first = img + (<usize>(y0 * w + x0) * <usize>c + <usize>ch) * 4;
          let m = v128.load(first);
          let at = i32x4.add(i32x4.splat(<i32>first), i32x4(0, 4, 8, 12));
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const p = img + (<usize>(iy * w + ix) * <usize>c + <usize>ch) * 4;
              const xv = v128.load(p);
              const t = takeMask(m, xv);
              m = v128.bitselect(xv, m, t);
              at = v128.bitselect(i32x4.add(i32x4.splat(<i32>p), i32x4(0, 4, 8, 12)), at, t);
            }
          }
          const a0 = <usize>i32x4.extract_lane(at, 0) + dOut, a1 = <usize>i32x4.extract_lane(at, 1) + dOut;
          const a2 = <usize>i32x4.extract_lane(at, 2) + dOut, a3 = <usize>i32x4.extract_lane(at, 3) + dOut;
          store<f32>(a0, load<f32>(a0) + load<f32>(gp));
          store<f32>(a1, load<f32>(a1) + load<f32>(gp, 4));
          store<f32>(a2, load<f32>(a2) + load<f32>(gp, 8));
          store<f32>(a3, load<f32>(a3) + load<f32>(gp, 12));
          gp += 16;
        }
        for (; ch < c; ch++) {
          let best = img + (<usize>(y0 * w + x0) * <usize>c + <usize>ch) * 4;
          let m = load<f32>(best);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const p = img + (<usize>(iy * w + ix) * <usize>c + <usize>ch) * 4;
              const xs = load<f32>(p);
              if (takeS(m, xs)) {
                m = xs;
                best = p;
              }
            }
          }
          const a = best + dOut;
          store<f32>(a, load<f32>(a) + load<f32>(gp));
          gp += 4;
        }
      }
    }
  }
}

/**
 * maxUnpool for windows that tile the image (stride = pool size, the usual 2x2 pooling): every pixel belongs to
 * at most one window, so each is written once, grad + 0 at the winner and 0 elsewhere, instead of clearing the
 * image and adding. (grad + 0 rather than grad: the reference's 0 + grad turns -0 into +0.) Pixels no window
 * covers ('valid' dropping an odd last row or column) are cleared separately.
 */
function maxUnpoolTiled(
  x: usize, grad: usize, out: usize, h: i32, w: i32, c: i32, kh: i32, kw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
  b0: i32, b1: i32,
): void {
  const imgBytes = <usize>(h * w * c) * 4;
  const coveredH = min(h, oh * kh - pt), coveredW = min(w, ow * kw - pl);
  const dOut = out - x;
  const zero = f32x4.splat(0);
  let gp = grad + <usize>b0 * <usize>(oh * ow * c) * 4;
  for (let b = b0; b < b1; b++) {
    const img = x + <usize>b * imgBytes;
    if (coveredH < h) memory.fill(img + dOut + <usize>(coveredH * w * c) * 4, 0, <usize>((h - coveredH) * w * c) * 4);
    if (coveredW < w) {
      for (let y = 0; y < coveredH; y++) memory.fill(img + dOut + <usize>((y * w + coveredW) * c) * 4, 0, <usize>((w - coveredW) * c) * 4);
    }
    for (let oy = 0; oy < oh; oy++) {
      const y0 = max(oy * kh - pt, 0), y1 = min(oy * kh - pt + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = max(ox * kw - pl, 0), x1 = min(ox * kw - pl + kw, w);
        for (let ch = 0; ch < c; ch += 4) {
          // Pass 1: the winner per lane (as in maxUnpool); pass 2: write every pixel of the window.
          let m = v128.load(img + (<usize>(y0 * w + x0) * <usize>c + <usize>ch) * 4);
          let at = i32x4.splat(y0 * w + x0);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const xv = v128.load(img + (<usize>(iy * w + ix) * <usize>c + <usize>ch) * 4);
              const t = takeMask(m, xv);
              m = v128.bitselect(xv, m, t);
              at = v128.bitselect(i32x4.splat(iy * w + ix), at, t);
            }
          }
          const g = f32x4.add(v128.load(gp), zero);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const here = i32x4.eq(at, i32x4.splat(iy * w + ix));
              v128.store(img + dOut + (<usize>(iy * w + ix) * <usize>c + <usize>ch) * 4, v128.and(g, here));
            }
          }
          gp += 16;
        }
      }
    }
  }
}
