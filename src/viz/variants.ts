/**
 * Figures for the autoencoder variants:
 *   - denoisingFigure: three rows of images, noisy inputs / the model's denoised outputs / the clean originals;
 *   - activationHistogram: the distribution of code activations (sparse vs dense codes), one coloured series
 *     per model, as a Vega-Lite bar chart rendered to SVG and PNG.
 * Histogram bins are computed here rather than by Vega-Lite's `bin`, so the bins are identical across series
 * (comparable bars) and the counts can be tested without rendering.
 */
import type { TopLevelSpec } from 'vega-lite';
import { Tensor } from '../tensor/tensor.js';
import { vegaLiteToSvg } from './chart.js';
import { svgToPng } from './svg-png.js';
import { type GridStyle, type ImageData, imageGrid, splitBatch } from './grid.js';
import type { RasterImage } from './png.js';

export type ImageRow = Tensor | readonly ImageData[];

export interface DenoisingFigureOptions extends GridStyle {
  /** Image height and width in pixels (default 28 x 28, MNIST). */
  height?: number;
  width?: number;
  /** How many images per row (default: all given, at most 10). */
  count?: number;
  /** 1 (grey, default) or 3 (RGB, interleaved). */
  channels?: 1 | 3;
}

function images(row: ImageRow, size: number, what: string): readonly ImageData[] {
  if (row instanceof Tensor) {
    if (row.ndim < 1 || (row.shape[0] > 0 && row.size / row.shape[0] !== size)) {
      throw new Error(`denoisingFigure: ${what} must be a batch of images of ${size} values`);
    }
    return splitBatch(row.toTypedArray(), size);
  }
  return row;
}

/** Rows noisy / denoised / clean, image i of each row from the same sample. */
export function denoisingFigure(noisy: ImageRow, denoised: ImageRow, clean: ImageRow, opts: DenoisingFigureOptions = {}): RasterImage {
  const { height = 28, width = 28, count, channels = 1, ...style } = opts;
  const size = height * width * channels;
  const rows = [images(noisy, size, 'noisy'), images(denoised, size, 'denoised'), images(clean, size, 'clean')];
  if (rows[0].length !== rows[1].length || rows[0].length !== rows[2].length) {
    throw new Error(`denoisingFigure: rows must pair up, got ${rows.map((r) => r.length).join(' / ')} images`);
  }
  const n = Math.min(count ?? 10, rows[0].length);
  if (n <= 0) throw new Error('denoisingFigure: no images');
  return imageGrid(rows.map((r) => r.slice(0, n)), { ...style, height, width, channels });
}

export interface HistogramSeries {
  name: string;
  values: Tensor | ArrayLike<number>;
}

export interface HistogramBin {
  series: string;
  start: number;
  end: number;
  count: number;
  /** count / number of finite values of the series. */
  fraction: number;
}

export interface ActivationHistogramOptions {
  /** Number of equal-width bins (default 40). */
  bins?: number;
  /** Binned range (default: min and max over every series; [0, 1] fits sigmoid codes). */
  range?: [number, number];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Plot-area size in SVG pixels (default 480 x 280). */
  width?: number;
  height?: number;
  /** PNG width in pixels for activationHistogram (default 1000). */
  pngWidth?: number;
}

const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

function valuesOf(v: Tensor | ArrayLike<number>): ArrayLike<number> {
  return v instanceof Tensor ? v.toTypedArray() : v;
}

/**
 * Equal-width bins over [lo, hi] shared by every series; the last bin is closed so `hi` itself counts.
 * Non-finite values are ignored. Finite values outside `range` are not counted but stay in the denominator,
 * so a series' fractions add up to its share of values inside the range (1 with the default range).
 */
export function histogramBins(series: readonly HistogramSeries[], opts: Pick<ActivationHistogramOptions, 'bins' | 'range'> = {}): HistogramBin[] {
  const nb = opts.bins ?? 40;
  if (!Number.isInteger(nb) || nb < 1) throw new Error(`histogram: bins must be a positive integer, got ${nb}`);
  if (!Array.isArray(series) || series.length === 0) throw new Error('histogram: give at least one series');
  const vals = series.map((s) => valuesOf(s.values));
  let [lo, hi] = opts.range ?? [Infinity, -Infinity];
  if (!opts.range) {
    for (const v of vals) {
      for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) { lo = Math.min(lo, v[i]); hi = Math.max(hi, v[i]); }
    }
    if (lo > hi) [lo, hi] = [0, 1]; // no finite values at all
  }
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) throw new Error(`histogram: bad range [${lo}, ${hi}]`);
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5]; // one distinct value: give its bar some width
  const w = (hi - lo) / nb;
  const out: HistogramBin[] = [];
  series.forEach((s, k) => {
    const counts = new Float64Array(nb);
    let finite = 0;
    const v = vals[k];
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (!Number.isFinite(x)) continue;
      finite++;
      if (x < lo || x > hi) continue;
      counts[Math.min(nb - 1, Math.floor((x - lo) / w))]++;
    }
    for (let b = 0; b < nb; b++) {
      out.push({ series: s.name, start: lo + b * w, end: lo + (b + 1) * w, count: counts[b], fraction: finite ? counts[b] / finite : 0 });
    }
  });
  return out;
}

/** The histogram as an SVG string; series overlap as translucent bars, legend in series order. */
export async function activationHistogramSvg(series: readonly HistogramSeries[], opts: ActivationHistogramOptions = {}): Promise<string> {
  const names = series.map((s) => s.name);
  if (names.some((n) => typeof n !== 'string' || n === '') || new Set(names).size !== names.length) {
    throw new Error('activationHistogram: every series needs a distinct, non-empty name');
  }
  const values = histogramBins(series, opts);
  const vl = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: opts.title } : {}),
    width: opts.width ?? 480,
    height: opts.height ?? 280,
    config: {
      font: 'sans-serif',
      background: 'white',
      title: { fontSize: 14 },
      axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' },
      legend: { labelFontSize: 11 },
    },
    data: { values },
    // Rects from [start, end] x [0, fraction]: a 'bar' with both x and x2 would be read as a horizontal range.
    mark: { type: 'rect', opacity: series.length > 1 ? 0.55 : 0.9 },
    encoding: {
      x: { field: 'start', type: 'quantitative', title: opts.xLabel ?? 'code activation', scale: { zero: false, nice: false } },
      x2: { field: 'end' },
      // stack: null overlays the series instead of piling them up, so each bar height is its own fraction.
      y: { field: 'fraction', type: 'quantitative', title: opts.yLabel ?? 'fraction of activations', stack: null, scale: { zero: true } },
      y2: { datum: 0 },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: names, range: names.map((_, i) => PALETTE[i % PALETTE.length]) },
        legend: { orient: 'right' },
      },
    },
  } as unknown as TopLevelSpec;
  return vegaLiteToSvg(vl);
}

/** The histogram as SVG and PNG, e.g. sparse vs plain codes: `[{ name: 'L1', values: codes }, ...]`. */
export async function activationHistogram(series: readonly HistogramSeries[], opts: ActivationHistogramOptions = {}): Promise<{ svg: string; png: Uint8Array }> {
  const svg = await activationHistogramSvg(series, opts);
  return { svg, png: svgToPng(svg, { width: opts.pngWidth ?? 1000 }) };
}
