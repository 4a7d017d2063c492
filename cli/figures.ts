/**
 * The figure of a trained model on its kind of data, shared by train, reconstruct and report: images over
 * their reconstructions (at the data's own size and channels), sequences and their reconstructions as lines,
 * or, for a table, the reconstruction error of every feature. Values are shown in the data's own units.
 */
import {
  type AutoencoderModel, barChart, type DataInfo, type Dataset, lineChartSvg, type LineSeries, noGrad, type Preprocessing,
  type RasterImage, reconstructionFigure, splitBatch, svgToPng,
} from '../src/index.js';

/** Upscale factor of image figures: 28 px digits are too small to judge at 1:1 (larger images need less). */
export const FIGURE_SCALE = 4;

/** A model with what it was trained on (a ModelBundle, or a run of `aekit train`). */
export interface Trained {
  model: AutoencoderModel;
  info: DataInfo;
  preprocessing: Preprocessing;
}

export interface Chart {
  svg: string;
  png: Uint8Array;
}

/** One figure: a raster image (PNG) or a chart (PNG + SVG beside it). */
export interface Figure {
  file: string;
  image: RasterImage | Chart;
}

/** The scale that makes an image about 112 px tall (4x for MNIST), at least 1. */
export function figureScale(info: DataInfo): number {
  return Math.max(1, Math.min(FIGURE_SCALE, Math.round(112 / info.sampleShape[0])));
}

/** Model inputs (or outputs) in [0, 1] for drawing: back to data units, then over the top of the value range. */
function displayValues(t: Trained, values: ArrayLike<number>): Float32Array {
  const units = t.preprocessing.inverse(values);
  const top = t.info.valueRange?.[1] ?? 1;
  return top === 1 ? units : units.map((v) => v / top);
}

/** `count` images from `offset` (top row) over their reconstructions (bottom row). */
export function reconstructionImage(t: Trained, input: Dataset, offset: number, count: number, scale = figureScale(t.info)): RasterImage {
  if (t.info.kind !== 'image') throw new Error(`a grid of reconstructions needs images, not ${t.info.kind} data`);
  const [h, w, c] = t.info.sampleShape;
  const part = input.slice(offset, Math.min(input.length, offset + count));
  const size = h * w * c;
  const originals = splitBatch(displayValues(t, part.toFloat32()), size);
  const recon = splitBatch(displayValues(t, noGrad(() => t.model.reconstruct(part)).toTypedArray()), size);
  return reconstructionFigure(originals, recon, h, w, scale, { channels: c === 3 ? 3 : 1 });
}

/** Up to 4 sequences (first feature, offset by 3 each) and their reconstructions, in data units. */
export async function sequenceChart(t: Trained, input: Dataset, title: string, clean?: Float32Array): Promise<Chart> {
  const [steps, f] = t.info.sampleShape;
  const part = input.slice(0, Math.min(4, input.length));
  const x = t.preprocessing.inverse(part.toFloat32());
  const r = t.preprocessing.inverse(t.model.reconstruct(part).toTypedArray());
  const xs = Array.from({ length: steps }, (_, i) => i);
  const series: LineSeries[] = [];
  const track = (v: ArrayLike<number>, s: number): number[] => Array.from({ length: steps }, (_, i) => v[(s * steps + i) * f] + 3 * s);
  for (let s = 0; s < part.length; s++) {
    series.push({ name: `#${s} input`, x: xs, y: track(x, s) });
    if (clean) series.push({ name: `#${s} clean`, x: xs, y: track(clean, s) });
    series.push({ name: `#${s} reconstruction`, x: xs, y: track(r, s) });
  }
  const name = t.info.featureNames?.[0];
  const svg = await lineChartSvg({
    title, xLabel: 'time step', yLabel: `${name ? `${name} ` : ''}value (+ 3 per sequence)`, series, width: 640, height: 400,
  });
  return { svg, png: svgToPng(svg) };
}

/** Mean squared reconstruction error of each feature over `input`, in the model's (preprocessed) units. */
export function featureErrors(model: AutoencoderModel, input: Dataset): Float64Array {
  const d = input.sampleSize;
  const err = new Float64Array(d);
  for (let s = 0; s < input.length; s += 4096) {
    const part = input.slice(s, Math.min(input.length, s + 4096));
    const x = part.toFloat32(), r = model.reconstruct(part).toTypedArray();
    for (let i = 0; i < x.length; i++) err[i % d] += (r[i] - x[i]) ** 2;
  }
  return err.map((v) => v / Math.max(input.length, 1));
}

/** Per-feature errors as bars (the 30 worst), for a table's models. */
export async function featureErrorChart(t: Trained, input: Dataset, title: string): Promise<Chart> {
  const names = t.info.featureNames ?? Array.from({ length: input.sampleSize }, (_, j) => `x${j}`);
  const scaled = t.preprocessing.method === 'standardize' ? ' (standardized units)' : '';
  return barChart(names, featureErrors(t.model, input), { title, xLabel: `mean squared error${scaled}`, top: 30 });
}

/**
 * The figure of a model on its kind of data: reconstructions.png (images), sequences.png or
 * feature-errors.png (tables); `what` starts the chart titles (e.g. "784-32-784 on readings.csv").
 */
export async function dataFigure(t: Trained, input: Dataset, what: string): Promise<Figure> {
  switch (t.info.kind) {
    case 'image':
      return { file: 'reconstructions.png', image: reconstructionImage(t, input, 0, Math.min(10, input.length)) };
    case 'sequence':
      return { file: 'sequences.png', image: await sequenceChart(t, input, `${what}: test sequences (offset by 3 each) and reconstructions`) };
    case 'tabular':
      return { file: 'feature-errors.png', image: await featureErrorChart(t, input, `${what}: test error per feature`) };
  }
}
