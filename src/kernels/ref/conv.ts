/**
 * Reference patch kernels for NHWC convolution (im2col and its adjoint col2im). Plain loops in the order the
 * geometry reads most naturally; the wasm kernels follow the same order so col2im's sums match bit for bit.
 */
import type { FloatArray, PatchGeometry } from '../types.js';
import { matmul } from './matmul.js';

const like = (a: FloatArray, n: number): FloatArray => (a instanceof Float64Array ? new Float64Array(n) : new Float32Array(n));

export function im2col(x: FloatArray, out: FloatArray, g: PatchGeometry): void {
  const { n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow } = g;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky - pt;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw + kx - pl;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
              out.fill(0, o, o + c);
            } else {
              const s = ((b * h + iy) * w + ix) * c;
              for (let ch = 0; ch < c; ch++) out[o + ch] = x[s + ch];
            }
            o += c;
          }
        }
      }
    }
  }
}

export function col2im(cols: FloatArray, out: FloatArray, g: PatchGeometry): void {
  const { n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow } = g;
  out.fill(0, 0, n * h * w * c);
  let i = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky - pt;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw + kx - pl;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
              const d = ((b * h + iy) * w + ix) * c;
              for (let ch = 0; ch < c; ch++) out[d + ch] += cols[i + ch];
            }
            i += c;
          }
        }
      }
    }
  }
}

// The convolutions exactly as their definitions read: im2col and one matmul (the composed form is the oracle).

export function conv2d(x: FloatArray, w: FloatArray, out: FloatArray, g: PatchGeometry, f: number): void {
  const m = g.n * g.oh * g.ow, k = g.kh * g.kw * g.c;
  const cols = like(out, m * k);
  im2col(x, cols, g);
  matmul(cols, w, out, m, f, k, false, false);
}

export function conv2dTranspose(grad: FloatArray, w: FloatArray, out: FloatArray, g: PatchGeometry, f: number): void {
  const m = g.n * g.oh * g.ow, k = g.kh * g.kw * g.c;
  const cols = like(out, m * k);
  matmul(grad, w, cols, m, k, f, false, true);
  col2im(cols, out, g);
}

export function conv2dFilter(x: FloatArray, grad: FloatArray, out: FloatArray, g: PatchGeometry, f: number): void {
  const m = g.n * g.oh * g.ow, k = g.kh * g.kw * g.c;
  const cols = like(out, m * k);
  im2col(x, cols, g);
  matmul(cols, grad, out, k, f, m, true, false);
}

/**
 * Offset (into x) of the first maximum of x over window (b, oy, ox) in channel `ch`, or -1 for a window with
 * no pixel in the image. Positions in the padding are skipped (as if -Infinity). The scan is row-major over
 * (ky, kx) and keeps the first maximal value, except that a NaN wins and stays, like reduce 'max'.
 */
function argmaxAt(x: FloatArray, g: PatchGeometry, b: number, oy: number, ox: number, ch: number): number {
  const { h, w, c, kh, kw, sh, sw, pt, pl } = g;
  let best = -1, m = 0;
  for (let ky = 0; ky < kh; ky++) {
    const iy = oy * sh + ky - pt;
    if (iy < 0 || iy >= h) continue;
    for (let kx = 0; kx < kw; kx++) {
      const ix = ox * sw + kx - pl;
      if (ix < 0 || ix >= w) continue;
      const at = ((b * h + iy) * w + ix) * c + ch;
      const v = x[at];
      if (best < 0 || (m === m && (v > m || v !== v))) {
        best = at;
        m = v;
      }
    }
  }
  return best;
}

export function maxPool(x: FloatArray, v: FloatArray, out: FloatArray, g: PatchGeometry): void {
  const { n, c, oh, ow } = g;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ch = 0; ch < c; ch++) {
          const at = argmaxAt(x, g, b, oy, ox, ch);
          out[o++] = at < 0 ? 0 : v[at];
        }
      }
    }
  }
}

export function maxUnpool(x: FloatArray, grad: FloatArray, out: FloatArray, g: PatchGeometry): void {
  const { n, h, w, c, oh, ow } = g;
  out.fill(0, 0, n * h * w * c);
  let i = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ch = 0; ch < c; ch++) {
          const at = argmaxAt(x, g, b, oy, ox, ch);
          if (at >= 0) out[at] += grad[i];
          i++;
        }
      }
    }
  }
}
