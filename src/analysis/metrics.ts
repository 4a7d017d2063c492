/**
 * Image-quality metrics for denoising and reconstruction: MSE, PSNR and SSIM, per image and averaged.
 *
 * Images come as a batch, a Tensor [n, ...] or a Dataset (axis 0 indexes the images, the rest is one image),
 * with values on a known scale: `dataRange` is max - min of that scale, 1 for pixels in [0, 1] (the default).
 *
 *   PSNR = 10 log10(dataRange^2 / MSE) dB        (MSE 0.01 at range 1 -> 20 dB; identical images -> Infinity)
 *
 * `psnr` reports the mean of the per-image PSNRs, as denoising papers do, not the PSNR of the pooled MSE: a
 * few bad images then cannot hide behind many good ones in one big average error, nor the reverse.
 * SSIM follows scikit-image's `structural_similarity(a, b, data_range=R)` defaults: a 7x7 uniform window, the
 * sample (N - 1) covariance, K1 = 0.01, K2 = 0.03, averaged over every window that fits inside the image.
 */
import { Dataset } from '../data/dataset.js';
import { Tensor } from '../tensor/tensor.js';

export type ImageBatch = Tensor | Dataset;

export interface MetricOptions {
  /** max - min of the pixel scale (default 1, for values in [0, 1]). */
  dataRange?: number;
}

export interface SsimOptions extends MetricOptions {
  /** Image height and width in pixels (one channel); height * width must be the image size. */
  height: number;
  width: number;
  /** Odd side of the square window (default 7, scikit-image's). */
  windowSize?: number;
}

/** The values of a batch as one flat array plus the image count and size. */
function flat(x: ImageBatch, what: string): { v: ArrayLike<number>; n: number; d: number } {
  if (x instanceof Tensor) {
    if (x.ndim < 1) throw new Error(`${what} must be a batch of images (axis 0), got a scalar`);
    const n = x.shape[0];
    return { v: x.toTypedArray(), n, d: n ? x.size / n : 0 };
  }
  if (x instanceof Dataset) return { v: x.toFloat32(), n: x.length, d: x.sampleSize };
  throw new Error(`${what} must be a Tensor or a Dataset`);
}

function pair(a: ImageBatch, b: ImageBatch): [ReturnType<typeof flat>, ReturnType<typeof flat>] {
  const fa = flat(a, 'first image batch');
  const fb = flat(b, 'second image batch');
  if (fa.n !== fb.n || fa.d !== fb.d) {
    throw new Error(`image batches differ: ${fa.n} images of ${fa.d} values vs ${fb.n} images of ${fb.d} values`);
  }
  return [fa, fb];
}

function range(opts: MetricOptions): number {
  const r = opts.dataRange ?? 1;
  if (!(r > 0) || !Number.isFinite(r)) throw new Error(`dataRange must be a positive number, got ${r}`);
  return r;
}

function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return v.length ? s / v.length : NaN;
}

/** Mean squared error of each image pair (accumulated in float64). */
export function perImageMse(a: ImageBatch, b: ImageBatch): Float64Array {
  const [fa, fb] = pair(a, b);
  const out = new Float64Array(fa.n);
  for (let i = 0; i < fa.n; i++) {
    let s = 0;
    for (let j = i * fa.d; j < (i + 1) * fa.d; j++) {
      const e = fa.v[j] - fb.v[j];
      s += e * e;
    }
    out[i] = s / fa.d;
  }
  return out;
}

/** Mean squared error over every value of the two batches. */
export function meanSquaredError(a: ImageBatch, b: ImageBatch): number {
  return mean(perImageMse(a, b)); // every image has d values, so the mean of means is the pooled mean
}

/** 10 log10(dataRange^2 / mse): Infinity for mse 0. */
export function psnrFromMse(mse: number, dataRange = 1): number {
  if (!(mse >= 0)) throw new Error(`mse must be >= 0, got ${mse}`);
  return 10 * Math.log10((dataRange * dataRange) / mse);
}

/** PSNR in dB of each image pair. */
export function perImagePsnr(a: ImageBatch, b: ImageBatch, opts: MetricOptions = {}): Float64Array {
  const r = range(opts);
  return perImageMse(a, b).map((m) => psnrFromMse(m, r));
}

/** Mean over images of the per-image PSNR in dB (Infinity if any pair is identical). */
export function psnr(a: ImageBatch, b: ImageBatch, opts: MetricOptions = {}): number {
  return mean(perImagePsnr(a, b, opts));
}

/** SSIM of each image pair (grey images of height x width; see the module comment for the definition). */
export function perImageSsim(a: ImageBatch, b: ImageBatch, opts: SsimOptions): Float64Array {
  const [fa, fb] = pair(a, b);
  const { height: h, width: w } = opts;
  const win = opts.windowSize ?? 7;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h <= 0 || w <= 0 || h * w !== fa.d) {
    throw new Error(`ssim: height ${h} x width ${w} does not match images of ${fa.d} values`);
  }
  if (!Number.isInteger(win) || win < 3 || win % 2 === 0 || win > h || win > w) {
    throw new Error(`ssim: windowSize must be an odd integer >= 3 no larger than the image, got ${win}`);
  }
  const r = range(opts);
  const c1 = (0.01 * r) ** 2;
  const c2 = (0.03 * r) ** 2;
  const np = win * win;
  const covNorm = np / (np - 1); // sample covariance, as scikit-image's use_sample_covariance=True
  const out = new Float64Array(fa.n);
  for (let i = 0; i < fa.n; i++) {
    const o = i * fa.d;
    let total = 0;
    for (let y0 = 0; y0 + win <= h; y0++) {
      for (let x0 = 0; x0 + win <= w; x0++) {
        let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (let y = y0; y < y0 + win; y++) {
          for (let x = x0; x < x0 + win; x++) {
            const p = fa.v[o + y * w + x], q = fb.v[o + y * w + x];
            sx += p; sy += q; sxx += p * p; syy += q * q; sxy += p * q;
          }
        }
        const ux = sx / np, uy = sy / np;
        const vx = covNorm * (sxx / np - ux * ux);
        const vy = covNorm * (syy / np - uy * uy);
        const vxy = covNorm * (sxy / np - ux * uy);
        total += ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
      }
    }
    out[i] = total / ((h - win + 1) * (w - win + 1));
  }
  return out;
}

/** Mean SSIM over image pairs (1 for identical images). */
export function ssim(a: ImageBatch, b: ImageBatch, opts: SsimOptions): number {
  return mean(perImageSsim(a, b, opts));
}

export interface ImageQuality {
  /** Pooled MSE over all values. */
  mse: number;
  /** Mean per-image PSNR in dB. */
  psnr: number;
  perImageMse: Float64Array;
  perImagePsnr: Float64Array;
  /** Mean SSIM, when the image height and width were given. */
  ssim?: number;
}

/** Every metric at once, e.g. `imageQuality(denoised, clean, { height: 28, width: 28 })`. */
export function imageQuality(a: ImageBatch, b: ImageBatch, opts: MetricOptions & Partial<Omit<SsimOptions, keyof MetricOptions>> = {}): ImageQuality {
  const r = range(opts);
  const m = perImageMse(a, b);
  const p = m.map((v) => psnrFromMse(v, r));
  const q: ImageQuality = { mse: mean(m), psnr: mean(p), perImageMse: m, perImagePsnr: p };
  if (opts.height !== undefined && opts.width !== undefined) {
    q.ssim = ssim(a, b, { height: opts.height, width: opts.width, windowSize: opts.windowSize, dataRange: r });
  }
  return q;
}
