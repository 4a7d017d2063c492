/**
 * "Data-specific" made measurable: every model compresses every data set (an MNIST model on Fashion-MNIST and
 * the reverse), and the PSNR matrix shows each model is good on its own data only.
 */
import type { Inputs } from '../data/inputs.js';
import type { CodecModel } from './compress.js';
import { type Baselines, baselinesOf, type CompressionReport, compressWithReport } from './compress-report.js';

export interface CrossCompressionRow extends CompressionReport {
  /** Name of the model (the data set it was trained on). */
  trainedOn: string;
  /** Name of the data set compressed. */
  data: string;
  /** The model compressing the data it was trained on. */
  own: boolean;
}

/**
 * Every model on every data set. `models` and `datasets` are keyed by data-set name (a model is named after
 * the data it was trained on, so `own` rows are models[k] on datasets[k]); the datasets are the models'
 * inputs, the same for every model (images scaled to [0, 1], unless `imageShape` says otherwise as
 * compressWithReport's options do). The baselines are measured once per data set.
 */
export function crossDatasetCompression(opts: { models: Record<string, CodecModel>; datasets: Record<string, Inputs>; imageShape?: readonly number[] }): CrossCompressionRow[] {
  const rows: CrossCompressionRow[] = [];
  const baselines = new Map<string, Baselines>();
  for (const [trainedOn, model] of Object.entries(opts.models)) {
    for (const [data, samples] of Object.entries(opts.datasets)) {
      const { report } = compressWithReport({ model, samples, name: data, imageShape: opts.imageShape, baselines: baselines.get(data) });
      if (!baselines.has(data)) baselines.set(data, baselinesOf(report));
      rows.push({ ...report, trainedOn, data, own: trainedOn === data });
    }
  }
  return rows;
}

function fmt(v: number | null, digits: number): string {
  return v === null ? '-' : Number.isFinite(v) ? v.toFixed(digits) : String(v);
}

/** The cross-dataset rows as text: one line per (model, data) pair, then the PSNR matrix (models down, data across). */
export function crossCompressionTable(rows: readonly CrossCompressionRow[]): string {
  const head = ['model trained on', 'data', 'images', 'bytes/image', 'x raw', 'x PNG', 'x PNG stack', 'PSNR dB', 'PSNR float codes'];
  const body = rows.map((r) => [
    r.trainedOn + (r.own ? ' (own)' : ''), r.data, String(r.n), fmt(r.bytesPerSample, 2), fmt(r.ratioVsRaw, 1),
    fmt(r.ratioVsPng, 1), fmt(r.ratioVsPngStack, 1), fmt(r.psnr, 2), fmt(r.psnrUnquantized, 2),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells: string[]): string => cells.map((s, c) => (c < 2 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  ').trimEnd();
  const out = [line(head), ...body.map(line)];
  const models = [...new Set(rows.map((r) => r.trainedOn))];
  const datas = [...new Set(rows.map((r) => r.data))];
  if (models.length && datas.length) {
    out.push('', 'PSNR (dB) of the decompressed images: rows = model trained on, columns = data compressed');
    const cell = (m: string, d: string): string => fmt(rows.find((r) => r.trainedOn === m && r.data === d)?.psnr ?? null, 2);
    const w0 = Math.max(10, ...models.map((m) => m.length));
    const wc = Math.max(8, ...datas.map((d) => d.length));
    out.push(['', ...datas].map((s, c) => (c === 0 ? s.padEnd(w0) : s.padStart(wc))).join('  '));
    for (const m of models) out.push([m.padEnd(w0), ...datas.map((d) => cell(m, d).padStart(wc))].join('  '));
  }
  return `${out.join('\n')}\n`;
}
