/**
 * Figures for the VAE and the stacked autoencoder: a grid of samples, the 2-D latent manifold (both through
 * imageGrid), the VAE's two loss terms per epoch, and the stacked model's loss per stage.
 */
import type { StackedHistory } from '../models/stacked.js';
import type { VAE, VAEHistory } from '../models/vae.js';
import { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { lineChartSvg, type LineSeries } from './chart.js';
import { svgToPng } from './svg-png.js';
import { type GridStyle, imageGrid } from './grid.js';
import type { RasterImage } from './png.js';

export interface VaeImageOptions extends GridStyle {
  /** Image height and width; default: a square image (28 x 28 for 784 values). */
  height?: number;
  width?: number;
  /** 1 (grey, default) or 3 (RGB, interleaved). */
  channels?: 1 | 3;
}

function imageSize(values: number, opts: VaeImageOptions): [number, number] {
  const inputDim = values / (opts.channels ?? 1);
  const side = Math.round(Math.sqrt(inputDim));
  const h = opts.height ?? (opts.width ? inputDim / opts.width : side);
  const w = opts.width ?? inputDim / h;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h * w !== inputDim) {
    throw new Error(`cannot lay out ${inputDim} values as an image${opts.height || opts.width ? ` of ${h} x ${w}` : ': give height and width'}`);
  }
  return [h, w];
}

/** Rows of `cols` images from a [rows * cols, h * w] batch. */
function gridOf(images: Tensor, rows: number, cols: number, opts: VaeImageOptions): RasterImage {
  const d = images.shape[1];
  const [height, width] = imageSize(d, opts);
  const data = images.toTypedArray();
  const grid = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => data.subarray((r * cols + c) * d, (r * cols + c + 1) * d)));
  return imageGrid(grid, { ...opts, height, width });
}

/** rows x cols decoded draws z ~ N(0, I) (from Rng(seed), default 0: the same picture every time). */
export function vaeSampleGrid(vae: VAE, rows: number, cols: number, opts: VaeImageOptions & { seed?: number } = {}): RasterImage {
  return gridOf(vae.sample(rows * cols, new Rng(opts.seed ?? 0)), rows, cols, opts);
}

/**
 * The n x n latent manifold (see VAE.manifold: equal-probability steps of N(0, 1), dims[0] left to right,
 * dims[1] bottom to top).
 */
export function vaeManifoldImage(vae: VAE, n: number, opts: VaeImageOptions & { lo?: number; hi?: number; dims?: [number, number] } = {}): RasterImage {
  return gridOf(vae.manifold(n, opts), n, n, opts);
}

/** Per-image loss, reconstruction term and (unweighted) KL term per epoch; log axis when they span 10x. */
export async function vaeLossChart(history: VAEHistory, opts: { title?: string; pngWidth?: number } = {}): Promise<{ svg: string; png: Uint8Array }> {
  const x = history.epoch;
  const series: LineSeries[] = [
    { name: 'loss', x, y: history.loss },
    { name: 'reconstruction', x, y: history.reconstruction },
    { name: 'KL', x, y: history.kl },
  ];
  if (history.valLoss.length === x.length && x.length) series.push({ name: 'validation loss', x, y: history.valLoss });
  const svg = await lineChartSvg({ title: opts.title ?? 'VAE loss per image = reconstruction + beta KL', xLabel: 'epoch', yLabel: 'nats per image', series, logY: spans10(series) });
  return { svg, png: svgToPng(svg, { width: opts.pngWidth ?? 1000 }) };
}

/**
 * Loss per stage of a stacked run, one coloured line per stage on a shared epoch axis (stage after stage), so
 * the pretraining stages and the fine-tuning read left to right in training order. The stages' losses are in
 * different units (pixels vs codes), hence the log axis when they span a factor of 10.
 */
export async function stackedLossChart(history: StackedHistory, opts: { title?: string; pngWidth?: number } = {}): Promise<{ svg: string; png: Uint8Array }> {
  let at = 0;
  const series: LineSeries[] = history.stages.map((s) => {
    const x = s.history.epoch.map((e) => at + e);
    at += s.history.epoch.length;
    return { name: `${s.layer === null ? 'fine-tune' : `layer ${s.layer}`} [${s.loss}]`, x, y: s.history.loss }; // short: legends truncate
  });
  const svg = await lineChartSvg({ title: opts.title ?? 'Stacked autoencoder: loss per stage', xLabel: 'epoch (all stages)', yLabel: 'training loss', series, logY: spans10(series) });
  return { svg, png: svgToPng(svg, { width: opts.pngWidth ?? 1000 }) };
}

function spans10(series: LineSeries[]): boolean {
  const ys = series.flatMap((s) => Array.from(s.y)).filter((v) => Number.isFinite(v));
  return ys.length > 0 && ys.every((v) => v > 0) && Math.max(...ys) / Math.min(...ys) >= 10;
}
