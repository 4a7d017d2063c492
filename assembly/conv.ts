// Patch kernels for NHWC convolution, as in src/kernels/ref/conv.ts: im2col copies windows into rows, col2im
// adds rows back onto the image. In NHWC the kw * c values of one window row are contiguous in the image, so
// both move whole runs of channels at a time, with 16-byte vectors. col2im adds in the reference's order (one
// float32 add per contribution, pixels visited in (oy, ox, ky, kx) order), so results match it bit for bit.

// Copies `n` floats; short runs (a few channels) are the common case, where memory.copy's call costs more
// than the copy.
// @ts-ignore: decorator
@inline
function copyRun(dst: usize, src: usize, n: i32): void {
  const bytes = <usize>n * 4;
  if (bytes >= 256) {
    memory.copy(dst, src, bytes);
    return;
  }
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  for (; i < bytes; i += 4) store<f32>(dst + i, load<f32>(src + i));
}

// @ts-ignore: decorator
@inline
function zeroRun(dst: usize, n: i32): void {
  const bytes = <usize>n * 4;
  if (bytes >= 256) {
    memory.fill(dst, 0, bytes);
    return;
  }
  let i: usize = 0;
  const z = f32x4.splat(0);
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, z);
  for (; i < bytes; i += 4) store<f32>(dst + i, 0);
}

// dst[0:n] += src[0:n], one float32 add each (the same rounding as the reference's `out[i] += v`).
// @ts-ignore: decorator
@inline
function addRun(dst: usize, src: usize, n: i32): void {
  const bytes = <usize>n * 4;
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, f32x4.add(v128.load(dst + i), v128.load(src + i)));
  for (; i < bytes; i += 4) store<f32>(dst + i, load<f32>(dst + i) + load<f32>(src + i));
}

/**
 * Rows [b0, b1) of the batch: out[b, oy, ox, (ky, kx, c)] = x[b, oy*sh + ky - pt, ox*sw + kx - pl, c], or 0 in
 * the padding. Images are independent, so threads may split the batch.
 */
export function im2col(
  x: usize, out: usize, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
  b0: i32, b1: i32,
): void {
  const run = kw * c;
  let o = out + <usize>b0 * <usize>oh * <usize>ow * <usize>(kh * run) * 4;
  for (let b = b0; b < b1; b++) {
    const img = x + <usize>b * <usize>h * <usize>w * <usize>c * 4;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pl;
        const inside = ix0 >= 0 && ix0 + kw <= w;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky - pt;
          if (iy < 0 || iy >= h) {
            zeroRun(o, run);
          } else if (inside) {
            copyRun(o, img + (<usize>iy * <usize>w + <usize>ix0) * <usize>c * 4, run);
          } else {
            for (let kx = 0; kx < kw; kx++) {
              const ix = ix0 + kx;
              const d = o + <usize>(kx * c) * 4;
              if (ix < 0 || ix >= w) zeroRun(d, c);
              else copyRun(d, img + (<usize>iy * <usize>w + <usize>ix) * <usize>c * 4, c);
            }
          }
          o += <usize>run * 4;
        }
      }
    }
  }
}

/** Images [b0, b1) of out = col2im(cols): out is cleared, then every in-image patch value added in order. */
export function col2im(
  cols: usize, out: usize, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
  b0: i32, b1: i32,
): void {
  const imgBytes = <usize>h * <usize>w * <usize>c * 4;
  const run = kw * c;
  memory.fill(out + <usize>b0 * imgBytes, 0, <usize>(b1 - b0) * imgBytes);
  let s = cols + <usize>b0 * <usize>oh * <usize>ow * <usize>(kh * run) * 4;
  for (let b = b0; b < b1; b++) {
    const img = out + <usize>b * imgBytes;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pl;
        const inside = ix0 >= 0 && ix0 + kw <= w;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky - pt;
          if (iy >= 0 && iy < h) {
            // Within one window row the kx runs are disjoint pixels, so a whole in-image row is one run of adds.
            if (inside) {
              addRun(img + (<usize>iy * <usize>w + <usize>ix0) * <usize>c * 4, s, run);
            } else {
              for (let kx = 0; kx < kw; kx++) {
                const ix = ix0 + kx;
                if (ix >= 0 && ix < w) addRun(img + (<usize>iy * <usize>w + <usize>ix) * <usize>c * 4, s + <usize>(kx * c) * 4, c);
              }
            }
          }
          s += <usize>run * 4;
        }
      }
    }
  }
}
