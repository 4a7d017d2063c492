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
 * Memory: two windows (the one in use and the one being read) plus one batch; a 784-value sample is 3 KB, so
 * the default buffer of 16384 samples keeps about 100 MB whatever the size of the file.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { openCsvFile } from './csv-file.js';
import type { DataInfo } from './info.js';
import { decodeNpyData, npyDataOffset, parseNpyHeader } from './npy.js';
import { openParquetFile } from './parquet-file.js';
import { Dataset } from './dataset.js';
import type { Preprocessing } from './preprocess.js';
import { PreprocessStats, type PreprocessMethod, Preprocessing as PreprocessingClass } from './preprocess.js';
import { inferKind } from './samples.js';
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
  /** Samples [start, end) as packed float32 (a missing cell under --missing mean is NaN). */
  read(start: number, end: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** A stream and how to train on it (see the module comment). */
export class StreamedData {
  readonly buffer: number;

  constructor(readonly stream: SampleStream, readonly preprocessing: Preprocessing | null = null, opts: { buffer?: number } = {}) {
    const b = opts.buffer ?? DEFAULT_SHUFFLE_BUFFER;
    if (!Number.isSafeInteger(b) || b <= 0) throw new Error(`shuffle buffer must be a positive integer, got ${b}`);
    this.buffer = b;
  }

  get length(): number {
    return this.stream.length;
  }

  get sampleShape(): readonly number[] {
    return this.stream.sampleShape;
  }

  /** Samples [start, end) in the model's units, as a Dataset (labels and ids are not streamed). */
  async window(start: number, end: number, shape: readonly number[] = this.sampleShape): Promise<Dataset> {
    const raw = await this.stream.read(start, end);
    const values = this.preprocessing ? this.preprocessing.transform(raw, raw) : raw;
    return Dataset.fromTyped(values, end - start, shape);
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

function baseInfo(kind: DataInfo['kind'], sampleShape: number[], source: string): DataInfo {
  return { kind, sampleShape, source, featureNames: null, classNames: null, valueRange: null, columns: null, window: null };
}

/** An .npy file as a stream: positioned asynchronous reads (so the next window is read while a batch trains). */
export async function openNpyStream(path: string, opts: { kind?: DataInfo['kind'] } = {}): Promise<SampleStream> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new Error(`cannot read .npy file ${path}: ${(e as Error).message}`);
  }
  try {
    const readAt = async (n: number, position: number): Promise<Uint8Array> => {
      const buf = new Uint8Array(n);
      for (let done = 0; done < n; ) {
        const { bytesRead } = await handle.read(buf, done, Math.min(n - done, 1 << 30), position + done);
        if (bytesRead === 0) throw new Error(`${path}: the file ended at byte ${position + done} (was it truncated while open?)`);
        done += bytesRead;
      }
      return buf;
    };
    const { size } = await handle.stat();
    const prefix = await readAt(Math.min(size, 12), 0);
    const header = parseNpyHeader(await readAt(Math.min(size, npyDataOffset(prefix, path)), 0), path);
    if (header.fortranOrder) throw new Error(`${path} is in Fortran order; save it with np.ascontiguousarray(a) first`);
    if (header.shape.length < 2) throw new Error(`${path}: an array of samples needs at least 2 dimensions [samples, ...], got shape [${header.shape.join(', ')}]`);
    const n = header.shape[0];
    const rowSize = header.shape.slice(1).reduce((a, b) => a * b, 1);
    const need = header.dataOffset + n * rowSize * header.itemSize;
    if (size < need) throw new Error(`${path}: the file holds ${size - header.dataOffset} bytes of data, but shape [${header.shape.join(', ')}] needs ${need - header.dataOffset}`);
    const isBytes = header.dtype === 'uint8';
    let shape = header.shape.slice(1);
    const kind = opts.kind ?? inferKind(shape, isBytes);
    if (kind === 'tabular') shape = [rowSize];
    else if (kind === 'image' && shape.length === 2) shape = [...shape, 1];
    else if (kind === 'sequence' && shape.length === 1) shape = [shape[0], 1];
    const info = baseInfo(kind, shape, path);
    if (kind === 'tabular') info.featureNames = Array.from({ length: rowSize }, (_, j) => `x${j}`);
    if (isBytes) info.valueRange = [0, 255];
    return {
      length: n, sampleShape: shape, info, seekable: true,
      async read(start, end) {
        if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= n)) {
          throw new Error(`${path}: samples [${start}, ${end}) are out of range (the file has ${n})`);
        }
        const raw = await readAt((end - start) * rowSize * header.itemSize, header.dataOffset + start * rowSize * header.itemSize);
        const data = decodeNpyData(header, raw, path, start * rowSize, true);
        return data instanceof Float32Array ? data : Float32Array.from(data);
      },
      close: () => handle.close(),
    };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** A table (CSV, Parquet) as a stream of its feature columns (labels and ids are not streamed: training does not need them). */
export function tableStream(reader: TableReader, opts: ColumnOptions, seekable: boolean): SampleStream {
  // The label and id columns are planned (so they are never features) but not read.
  const plan = { ...planColumns(reader.names, opts, reader.source), label: -1, id: -1 };
  if (plan.missing === 'drop') throw new Error(`${reader.source}: --missing drop changes which rows exist, which a stream cannot know in advance; use --missing mean, or clean the file first`);
  const f = plan.features.length;
  const info = baseInfo('tabular', [f], reader.source);
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

export async function openCsvStream(path: string, opts: ColumnOptions & { header?: boolean | 'auto'; delimiter?: string }): Promise<SampleStream> {
  return tableStream(await openCsvFile(path, opts), opts, false);
}

export async function openParquetStream(path: string, opts: ColumnOptions): Promise<SampleStream> {
  return tableStream(await openParquetFile(path), opts, true);
}
