/**
 * The browser-safe half of the data layer's readers: from what a format gives (a table of cells, an n-d array,
 * decoded images) to a `DataSource`, the samples in the data's own units plus their DataInfo. open.ts (Node)
 * finds files and picks the reader; the playground calls these directly on bytes a user drops on the page.
 */
import { Dataset } from './dataset.js';
import { type DataInfo, type DataKind, DATA_KINDS } from './info.js';
import type { NpyArray } from './npy.js';
import { type ColumnOptions, labelsFromCells, planColumns, takeRows } from './select.js';
import type { ColumnTable } from './table.js';

/** Samples in the data's own units, what they are, and the source's own test split if it has one. */
export interface DataSource {
  info: DataInfo;
  samples: Dataset;
  test: Dataset | null;
  /** Things the user should hear about (rows dropped, files skipped), one line each. */
  notes: string[];
}

export interface SampleOptions extends ColumnOptions {
  /** What the samples are, when the shape alone does not say (see inferKind). */
  kind?: DataKind;
  /** Cut a table (a time series, one row per step) into windows of `size` rows, every `stride` rows. */
  window?: { size: number; stride: number };
  /** Class names to number labels by (a model's), so a name keeps its index across files. */
  classNames?: readonly string[] | null;
  /** Keep at most the first `limit` samples. */
  limit?: number;
}

function baseInfo(kind: DataKind, sampleShape: number[], source: string): DataInfo {
  return { kind, sampleShape, source, featureNames: null, classNames: null, valueRange: null, columns: null, window: null };
}

function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit <= 0)) throw new Error(`limit must be a positive integer, got ${limit}`);
}

/** Sequences of `size` consecutive rows every `stride` rows: [count, size, features]. */
export function cutWindows(values: Float32Array, rows: number, features: number, size: number, stride: number, source: string): { data: Float32Array; count: number; starts: number[] } {
  if (!Number.isSafeInteger(size) || size <= 0 || !Number.isSafeInteger(stride) || stride <= 0) {
    throw new Error(`window size and stride must be positive integers, got ${size} and ${stride}`);
  }
  if (rows < size) throw new Error(`${source}: ${rows} rows are fewer than one window of ${size}`);
  const count = Math.floor((rows - size) / stride) + 1;
  const data = new Float32Array(count * size * features);
  const starts: number[] = [];
  for (let w = 0; w < count; w++) {
    const r0 = w * stride;
    starts.push(r0);
    data.set(values.subarray(r0 * features, (r0 + size) * features), w * size * features);
  }
  return { data, count, starts };
}

/** A table of cells as samples: one row per sample, or windows of rows as sequences. */
export function tableSamples(table: ColumnTable, opts: SampleOptions = {}): DataSource {
  checkLimit(opts.limit);
  const plan = planColumns(table.names, opts, table.source);
  const rows = takeRows(table, plan);
  const notes: string[] = [];
  if (rows.dropped) notes.push(`${table.source}: left out ${rows.dropped} of ${table.rowCount} rows with missing or non-numeric values (--missing drop)`);
  if (rows.missingCells) notes.push(`${table.source}: ${rows.missingCells} missing cells will hold the training mean of their column (--missing mean)`);
  if (rows.n === 0) throw new Error(`${table.source}: no rows left after leaving out the ${rows.dropped} with missing values`);
  const f = plan.features.length;
  const info = baseInfo('tabular', [f], table.source);
  info.featureNames = plan.featureNames;
  info.columns = { label: plan.labelName, id: plan.idName, features: plan.featureNames };
  let labels: Int32Array | null = null;
  if (rows.labelCells) {
    const l = labelsFromCells(rows.labelCells, (i) => `${table.source}: data row ${i + 1}`, opts.classNames ?? null);
    labels = l.labels;
    info.classNames = l.classNames;
  }
  const missing = rows.missingCells > 0;
  if (opts.kind === 'sequence' && !opts.window) throw new Error(`${table.source}: sequences from a table need a window (--window T)`);
  if (opts.window) {
    if (opts.kind && opts.kind !== 'sequence') throw new Error(`${table.source}: windows of rows are sequences, not ${opts.kind} data`);
    const { size, stride } = opts.window;
    const w = cutWindows(rows.values, rows.n, f, size, stride, table.source);
    const n = opts.limit === undefined ? w.count : Math.min(opts.limit, w.count);
    // A window's id is the id of its first row; windows carry no label (which row's would it be?).
    const ids = rows.ids ? w.starts.slice(0, n).map((s) => rows.ids![s]) : undefined;
    Object.assign(info, { kind: 'sequence', sampleShape: [size, f], window: { size, stride }, classNames: null });
    const samples = Dataset.fromTyped(w.data.subarray(0, n * size * f), n, [size, f], { ...(ids ? { ids } : {}), missing });
    return { info, samples, test: null, notes };
  }
  if (opts.kind && opts.kind !== 'tabular') throw new Error(`${table.source}: rows of a table are tabular data, not ${opts.kind} (sequences: --window T)`);
  const n = opts.limit === undefined ? rows.n : Math.min(opts.limit, rows.n);
  const samples = Dataset.fromTyped(rows.values.subarray(0, n * f), n, [f], {
    ...(labels ? { labels: labels.subarray(0, n) } : {}), ...(rows.ids ? { ids: rows.ids.slice(0, n) } : {}), missing,
  });
  return { info, samples, test: null, notes };
}

/**
 * What an array of samples is when the user does not say: uint8 samples of rank 2 or 3 are images (a stack of
 * grey [h, w] or [h, w, c] pictures, as NumPy users keep MNIST), other rank-3 samples are images [h, w, c],
 * rank 2 are sequences [time, features], rank 1 rows of a table.
 */
export function inferKind(sampleShape: readonly number[], isBytes: boolean): DataKind {
  if (sampleShape.length === 1) return 'tabular';
  if (sampleShape.length === 3) return 'image';
  if (sampleShape.length === 2) return isBytes ? 'image' : 'sequence';
  throw new Error(`samples of shape [${sampleShape.join(', ')}] are not rows, sequences [time, features] or images [height, width, channels]`);
}

/** An n-d array [n, ...] (and optional integer labels [n]) as samples. */
export function arraySamples(x: NpyArray, y: NpyArray | null, source: string, opts: SampleOptions = {}): DataSource {
  checkLimit(opts.limit);
  if (x.shape.length < 2) throw new Error(`${source}: an array of samples needs at least 2 dimensions [samples, ...], got shape [${x.shape.join(', ')}]`);
  if (opts.kind !== undefined && !DATA_KINDS.includes(opts.kind)) throw new Error(`kind must be one of ${DATA_KINDS.join(', ')}, got ${String(opts.kind)}`);
  const total = x.shape[0];
  const n = opts.limit === undefined ? total : Math.min(opts.limit, total);
  if (n === 0) throw new Error(`${source}: the array holds no samples`);
  let shape = x.shape.slice(1);
  const isBytes = x.dtype === 'uint8';
  const kind = opts.kind ?? inferKind(shape, isBytes);
  if (kind === 'tabular') shape = [shape.reduce((a, b) => a * b, 1)];
  else if (kind === 'image') {
    if (shape.length === 2) shape = [...shape, 1];
    if (shape.length !== 3) throw new Error(`${source}: images need samples [height, width] or [height, width, channels], got [${shape.join(', ')}]`);
  } else {
    if (shape.length === 1) shape = [shape[0], 1];
    if (shape.length !== 2) throw new Error(`${source}: sequences need samples [time, features], got [${shape.join(', ')}]`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const values = isBytes ? x.data.subarray(0, n * size) as Uint8Array : Float32Array.from(x.data.subarray(0, n * size));
  const info = baseInfo(kind, shape, source);
  if (kind === 'tabular') info.featureNames = Array.from({ length: size }, (_, j) => `x${j}`);
  if (isBytes) info.valueRange = [0, 255];
  let labels: Int32Array | undefined;
  if (y) {
    if (y.shape.length !== 1 || y.shape[0] !== total) throw new Error(`${source}: labels have shape [${y.shape.join(', ')}], expected [${total}] (one per sample)`);
    const cells = Array.from(y.data.subarray(0, n));
    labels = labelsFromCells(cells, (i) => `${source}: label ${i}`, opts.classNames ?? null).labels;
    if (opts.classNames) info.classNames = [...opts.classNames];
  }
  const samples = Dataset.fromTyped(values, n, shape, labels ? { labels } : {});
  return { info, samples, test: null, notes: [] };
}

export interface NpzOptions extends SampleOptions {
  /** The array of samples and the array of labels (defaults: x / x_train, y / y_train). */
  arrays?: { x?: string; y?: string };
}

/**
 * The arrays of an .npz as samples: the named ones, else x (or x_train, X, data, or the only array) and labels
 * y (y_train beside x_train, else y or labels); x_train beside x_test (and y_test) is the source's own test split.
 * `howToName` ends the error when no array is the samples: how the caller's user names one (a flag, a file).
 */
export function npzSamples(all: Record<string, NpyArray>, source: string, opts: NpzOptions, howToName: string): DataSource {
  const names = Object.keys(all);
  const pick = (want: string | undefined, fallbacks: string[], what: string): string | null => {
    if (want !== undefined) {
      if (!(want in all)) throw new Error(`${source}: no array named ${JSON.stringify(want)} (${what}); it holds ${names.join(', ')}`);
      return want;
    }
    return fallbacks.find((f) => f in all) ?? null;
  };
  const xName = pick(opts.arrays?.x, ['x', 'x_train', 'X', 'data'], 'samples') ?? (names.length === 1 ? names[0] : null);
  if (!xName) throw new Error(`${source}: which array holds the samples? It holds ${names.length ? names.join(', ') : 'no arrays'}: ${howToName}`);
  const yName = pick(opts.arrays?.y, xName === 'x_train' ? ['y_train'] : ['y', 'labels'], 'labels');
  const src = arraySamples(all[xName], yName ? all[yName] : null, source, opts);
  if (xName === 'x_train' && 'x_test' in all) {
    // The test split is whole (a limit is for the training samples) and numbers its labels by the training names.
    const yTest = yName && 'y_test' in all ? all.y_test : null;
    src.test = arraySamples(all.x_test, yTest, `${source} (x_test)`, { ...opts, limit: undefined, classNames: src.info.classNames }).samples;
  }
  return src;
}

/** Decoded 8-bit images [n, h, w, c] (a folder, a canvas) as samples. */
export function imageSamples(
  set: { n: number; height: number; width: number; channels: number; data: Uint8Array; labels: Int32Array | null; classNames: string[] | null; ids: string[] | null },
  source: string,
): DataSource {
  const shape = [set.height, set.width, set.channels];
  const info = baseInfo('image', shape, source);
  info.valueRange = [0, 255];
  info.classNames = set.classNames;
  const samples = Dataset.fromTyped(set.data, set.n, shape, { ...(set.labels ? { labels: set.labels } : {}), ...(set.ids ? { ids: set.ids } : {}) });
  return { info, samples, test: null, notes: [] };
}
