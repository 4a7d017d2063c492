/**
 * Data larger than memory: samples read from disk in windows while a model trains. A SampleStream reads any
 * range of samples (an .npy by positioned reads, a Parquet file by row groups, a CSV from its checkpoints);
 * StreamedData pairs it with the preprocessing and the shuffle buffer, and `fit` trains on it window by window:
 *
 *   the samples are cut into windows of `buffer` samples (a multiple of the batch size); each epoch visits the
 *   windows in a seeded random order (front to back for a CSV, which cannot be entered cheaply in the middle),
 *   shuffles the samples of each window with the same seeded stream, and cuts batches from it, while the next
 *   window is read. With a buffer as large as the data there is one window and no window shuffle, so the batches
 *   are exactly those of training in memory: the same seed gives bit-identical weights (tested).
 *
 * This file runs in browsers too; the streams over files on disk are in stream-files.ts.
 *
 * Memory: two windows (the one in use and the one being read) plus one batch; a 784-value sample is 3 KB, so
 * the default buffer of 16384 samples keeps about 100 MB whatever the size of the file.
 */
import type { DataInfo } from './info.js';
import { Dataset } from './dataset.js';
import type { Preprocessing } from './preprocess.js';
import { PreprocessStats, type PreprocessMethod, Preprocessing as PreprocessingClass } from './preprocess.js';
import { type ColumnOptions, planColumns, takeRows } from './select.js';
import type { TableReader } from './table.js';

export const DEFAULT_SHUFFLE_BUFFER = 16384;

/** Samples on disk, read by ranges, in the data's own units. */
export interface SampleStream {
  readonly length: number;
  readonly sampleShape: readonly number[];
  readonly info: DataInfo;
  /** Whether reading ranges in any order is as cheap as front to back (.npy, Parquet; not CSV). */
  readonly seekable: boolean;
  /**
   * Samples [start, end) as packed float32 (a missing cell under --missing mean is NaN). With `into` (at least
   * that long) a stream may fill it and return a view of it instead of allocating: training reuses two buffers
   * for all its windows, so a 6 GB epoch does not allocate (and zero) 6 GB.
   */
  read(start: number, end: number, into?: Float32Array): Promise<Float32Array>;
  close(): Promise<void>;
}

/** A stream and how to train on it (see the module comment). */
export class StreamedData {
  readonly buffer: number;
  /** The window buffers, used in turn (see window()). */
  private readonly slots: (Float32Array | null)[] = [null, null];
  /** The shape windows give their samples (the stream's, or another view of the same size: see reshape). */
  readonly sampleShape: readonly number[];

  constructor(readonly stream: SampleStream, readonly preprocessing: Preprocessing | null = null, opts: { buffer?: number; sampleShape?: readonly number[] } = {}) {
    const b = opts.buffer ?? DEFAULT_SHUFFLE_BUFFER;
    if (!Number.isSafeInteger(b) || b <= 0) throw new Error(`shuffle buffer must be a positive integer, got ${b}`);
    this.buffer = b;
    const shape = opts.sampleShape ?? stream.sampleShape;
    const size = (s: readonly number[]): number => s.reduce((a, d) => a * d, 1);
    if (size(shape) !== size(stream.sampleShape)) throw new Error(`cannot view samples of shape [${stream.sampleShape.join(', ')}] as [${shape.join(', ')}]`);
    this.sampleShape = shape;
  }

  get length(): number {
    return this.stream.length;
  }

  /** The same stream with windows of another sample shape of the same size (images as rows), like Dataset.reshape. */
  reshape(sampleShape: readonly number[]): StreamedData {
    return new StreamedData(this.stream, this.preprocessing, { buffer: this.buffer, sampleShape });
  }

  /**
   * Samples [start, end) in the model's units, as a Dataset (labels and ids are not streamed). Its storage is
   * buffer `slot` mod 2: a window stays valid until the window after the next one is read into its buffer, which
   * is how epochBatches uses them (one window in use, the next being read).
   */
  async window(start: number, end: number, slot = 0): Promise<Dataset> {
    const need = (end - start) * this.sampleShape.reduce((a, d) => a * d, 1);
    const k = slot % 2;
    let buf = this.slots[k];
    if (!buf || buf.length < need) buf = this.slots[k] = new Float32Array(Math.max(need, this.buffer * (need / Math.max(end - start, 1))));
    const raw = await this.stream.read(start, end, buf);
    if (!this.preprocessing) return Dataset.fromTyped(raw, end - start, this.sampleShape);
    return Dataset.fromTyped(this.preprocessing.transform(raw, raw), end - start, this.sampleShape, { checked: true });
  }
}

/** Windows of `size` samples over [0, n): [start, end) pairs. */
export function windowsOf(n: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out;
}

/** Fits a preprocessing method over a stream, window by window in file order (the in-memory fit's numbers exactly). */
export async function fitStreamPreprocessing(stream: SampleStream, method: PreprocessMethod, period: number, opts: { valueTop?: number; window?: number } = {}): Promise<Preprocessing> {
  const stats = new PreprocessStats(period);
  const size = opts.window ?? DEFAULT_SHUFFLE_BUFFER;
  for (const [s, e] of windowsOf(stream.length, size)) stats.add(await stream.read(s, e));
  if (method === 'standardize') for (const [s, e] of windowsOf(stream.length, size)) stats.addSquares(await stream.read(s, e));
  return PreprocessingClass.fromStats(method, stats, opts);
}

/** A stream restricted to some of its samples (sorted indices): a training or held-out part of one file. */
export function subsetStream(stream: SampleStream, indices: Uint32Array): SampleStream {
  const size = stream.sampleShape.reduce((a, b) => a * b, 1);
  return {
    length: indices.length, sampleShape: stream.sampleShape, info: stream.info, seekable: stream.seekable,
    async read(start, end) {
      const out = new Float32Array((end - start) * size);
      if (end <= start) return out;
      // One contiguous read spanning the wanted samples, then pick them out (held-out rows are scattered).
      const lo = indices[start], hi = indices[end - 1] + 1;
      const span = await stream.read(lo, hi);
      for (let k = start; k < end; k++) out.set(span.subarray((indices[k] - lo) * size, (indices[k] - lo + 1) * size), (k - start) * size);
      return out;
    },
    close: () => stream.close(),
  };
}

/** A table (CSV, Parquet) as a stream of its feature columns (labels and ids are not streamed: training does not need them). */
export function tableStream(reader: TableReader, opts: ColumnOptions, seekable: boolean): SampleStream {
  // The label and id columns are planned (so they are never features) but not read.
  const plan = { ...planColumns(reader.names, opts, reader.source), label: -1, id: -1 };
  if (plan.missing === 'drop') throw new Error(`${reader.source}: --missing drop changes which rows exist, which a stream cannot know in advance; use --missing mean, or clean the file first`);
  const f = plan.features.length;
  const info: DataInfo = { kind: 'tabular', sampleShape: [f], source: reader.source, featureNames: null, classNames: null, valueRange: null, columns: null, window: null };
  info.featureNames = plan.featureNames;
  info.columns = { label: typeof opts.label === 'string' ? opts.label : null, id: typeof opts.id === 'string' ? opts.id : null, features: plan.featureNames };
  let first = true;
  return {
    length: reader.rowCount, sampleShape: [f], info, seekable,
    async read(start, end) {
      const rows = takeRows(await reader.read(start, end), plan, { checkText: first });
      first = false;
      return rows.values;
    },
    close: () => reader.close(),
  };
}

