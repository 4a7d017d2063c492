/**
 * In-memory datasets: N samples of a fixed shape stored in one typed array (uint8 images stay uint8 and are
 * scaled to Float32 per batch by `gather`), optional integer labels and row ids (a CSV's id column, an image's
 * file name: kept for output, never a feature), mini-batch index generation and Keras-style validation splits.
 */
import type { Rng } from '../tensor/rng.js';

export type SampleStore = Uint8Array | Float32Array | Float64Array;

const FLOAT32_MAX = 3.4028234663852886e38;

function isNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function describe(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return v === null ? 'null' : typeof v;
}

/** Checks labels and copies them into an Int32Array. */
function toLabels(labels: ArrayLike<number>, n: number): Int32Array {
  if (labels == null || typeof labels.length !== 'number') throw new Error('labels must be an array of numbers');
  if (labels.length !== n) throw new Error(`labels has ${labels.length} entries but there are ${n} samples`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw new Error(`label ${i} is ${describe(v)}; labels must be 32-bit integers`);
    }
    out[i] = v;
  }
  return out;
}

function toIds(ids: readonly string[], n: number): readonly string[] {
  if (!Array.isArray(ids)) throw new Error('ids must be an array of strings');
  if (ids.length !== n) throw new Error(`ids has ${ids.length} entries but there are ${n} samples`);
  for (let i = 0; i < n; i++) if (typeof ids[i] !== 'string') throw new Error(`id ${i} is ${describe(ids[i])}; ids must be strings`);
  return ids;
}

function checkShape(sampleShape: readonly number[]): number {
  if (!Array.isArray(sampleShape) || sampleShape.length === 0) {
    throw new Error(`sampleShape must be a non-empty array of positive integers, got ${JSON.stringify(sampleShape)}`);
  }
  let size = 1;
  for (const d of sampleShape) {
    if (!Number.isSafeInteger(d) || d <= 0) {
      throw new Error(`sampleShape must contain positive integers, got [${sampleShape.join(', ')}]`);
    }
    size *= d;
  }
  return size;
}

export class Dataset {
  /** Number of samples. */
  readonly length: number;
  readonly sampleShape: readonly number[];
  /** Product of sampleShape: values per sample. */
  readonly sampleSize: number;
  /** One integer label per sample, or null. */
  readonly labels: Int32Array | null;
  /** One id per sample (an id column, a file name), or null. */
  readonly ids: readonly string[] | null;
  /** Factor applied to stored values when converting to Float32 (e.g. 1/255 for uint8 images). */
  readonly scale: number;
  /** Backing storage: exactly length * sampleSize values (a view when the dataset is a slice). */
  private readonly store: SampleStore;

  private constructor(store: SampleStore, n: number, sampleShape: readonly number[], scale: number, labels: Int32Array | null, ids: readonly string[] | null) {
    this.store = store;
    this.length = n;
    this.sampleShape = Object.freeze(sampleShape.slice());
    this.sampleSize = sampleShape.reduce((a, b) => a * b, 1);
    this.scale = scale;
    this.labels = labels;
    this.ids = ids;
  }

  /**
   * Wraps `data` (n samples of `sampleShape`, row-major, packed) without copying it. Float data is checked for
   * NaN/Infinity; `missing: true` lets NaN through (a missing cell that preprocessing fills later; see
   * data/preprocess.ts); `checked: true` skips the check for values just written by Preprocessing.transform. `scale` (default 1) multiplies every value on the way out (`gather`, `toFloat32`).
   */
  static fromTyped(
    data: SampleStore,
    n: number,
    sampleShape: readonly number[],
    opts: { scale?: number; labels?: ArrayLike<number>; ids?: readonly string[]; missing?: boolean; checked?: boolean } = {},
  ): Dataset {
    if (!(data instanceof Uint8Array || data instanceof Float32Array || data instanceof Float64Array)) {
      throw new Error('data must be a Uint8Array, Float32Array or Float64Array');
    }
    if (!isNonNegInt(n)) throw new Error(`number of samples must be a non-negative integer, got ${describe(n)}`);
    const size = checkShape(sampleShape);
    if (data.length !== n * size) {
      throw new Error(
        `data has ${data.length} values but ${n} samples of shape [${sampleShape.join(', ')}] need ${n * size}`,
      );
    }
    const scale = opts.scale ?? 1;
    if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new Error(`scale must be a finite number, got ${describe(scale)}`);
    // `checked`: the caller has already seen every value finite (preprocessing checks as it writes them).
    if (!(data instanceof Uint8Array) && !opts.checked) {
      const limit = scale === 0 ? Infinity : FLOAT32_MAX / Math.abs(scale);
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        if (!Number.isFinite(v) || Math.abs(v) > limit) {
          if (Number.isNaN(v) && opts.missing) continue;
          const where = `element ${i} (sample ${Math.floor(i / size)}, position ${i % size})`;
          if (Number.isNaN(v)) throw new Error(`${where} is NaN`);
          if (!Number.isFinite(v)) throw new Error(`${where} is ${v}`);
          throw new Error(`${where} is ${v}, which overflows float32 after scaling by ${scale}`);
        }
      }
    }
    const labels = opts.labels === undefined ? null : toLabels(opts.labels, n);
    const ids = opts.ids === undefined ? null : toIds(opts.ids, n);
    return new Dataset(data, n, sampleShape, scale, labels, ids);
  }

  /** The same samples with other labels and/or ids (null removes them); shares storage. */
  withMeta(meta: { labels?: ArrayLike<number> | null; ids?: readonly string[] | null }): Dataset {
    const labels = meta.labels === undefined ? this.labels : meta.labels === null ? null : toLabels(meta.labels, this.length);
    const ids = meta.ids === undefined ? this.ids : meta.ids === null ? null : toIds(meta.ids, this.length);
    return new Dataset(this.store, this.length, this.sampleShape, this.scale, labels, ids);
  }

  /** The same samples seen with another sample shape of the same size (images as rows: [28, 28, 1] -> [784]). */
  reshape(sampleShape: readonly number[]): Dataset {
    const size = checkShape(sampleShape);
    if (size !== this.sampleSize) throw new Error(`cannot view samples of shape [${this.sampleShape.join(', ')}] as [${sampleShape.join(', ')}]`);
    return new Dataset(this.store, this.length, sampleShape, this.scale, this.labels, this.ids);
  }

  /** The raw storage (values before `scale`), packed; a view, not a copy. */
  get values(): SampleStore {
    return this.store;
  }

  /** Builds a Float32 dataset from equal-length rows of numbers; sampleShape is [rowLength]. */
  static fromArrays(rows: number[][], labels?: ArrayLike<number>): Dataset {
    if (!Array.isArray(rows)) throw new Error('rows must be an array of number arrays');
    if (rows.length === 0) throw new Error('rows is empty: cannot infer the row length of a dataset with no rows');
    const first = rows[0];
    if (!Array.isArray(first)) throw new Error(`row 0 is not an array (got ${describe(first)})`);
    const width = first.length;
    if (width === 0) throw new Error('row 0 is empty: rows need at least one value');
    const data = new Float32Array(rows.length * width);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      if (!Array.isArray(row)) throw new Error(`row ${r} is not an array (got ${describe(row)})`);
      if (row.length !== width) throw new Error(`row ${r} has ${row.length} values, expected ${width} (the length of row 0)`);
      for (let c = 0; c < width; c++) {
        const v = row[c];
        if (typeof v !== 'number') throw new Error(`row ${r} column ${c} is not a number (got ${describe(v)})`);
        if (Number.isNaN(v)) throw new Error(`row ${r} column ${c} is NaN`);
        if (!Number.isFinite(v)) throw new Error(`row ${r} column ${c} is ${v}`);
        if (Math.abs(v) > FLOAT32_MAX) throw new Error(`row ${r} column ${c} is ${v}, which overflows float32`);
        data[r * width + c] = v;
      }
    }
    return new Dataset(data, rows.length, [width], 1, labels === undefined ? null : toLabels(labels, rows.length), null);
  }

  private checkIndex(i: number, k: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new Error(`index ${describe(i)} (at position ${k}) is out of range for a dataset of ${this.length} samples`);
    }
  }

  /**
   * Float32 values (stored value * scale) of the samples at `indices`, packed row after row, into `out`
   * (allocated if absent). If `out` is longer than needed, the returned array is its leading subarray.
   */
  gather(indices: ArrayLike<number>, out?: Float32Array): Float32Array {
    const m = indices.length;
    const size = this.sampleSize;
    const need = m * size;
    if (out === undefined) out = new Float32Array(need);
    else {
      if (!(out instanceof Float32Array)) throw new Error('gather: out must be a Float32Array');
      if (out.length < need) throw new Error(`gather: out has ${out.length} values but ${m} samples need ${need}`);
      if (out.length > need) out = out.subarray(0, need);
    }
    const store = this.store;
    const scale = this.scale;
    for (let k = 0; k < m; k++) {
      const i = indices[k];
      this.checkIndex(i, k);
      const src = i * size;
      const dst = k * size;
      if (scale === 1) out.set(store.subarray(src, src + size), dst);
      else for (let j = 0; j < size; j++) out[dst + j] = store[src + j] * scale;
    }
    return out;
  }

  /** All samples as one Float32Array [length * sampleSize] (always a fresh array). */
  toFloat32(): Float32Array {
    const out = new Float32Array(this.store.length);
    const store = this.store;
    const scale = this.scale;
    if (scale === 1) out.set(store);
    else for (let j = 0; j < store.length; j++) out[j] = store[j] * scale;
    return out;
  }

  /** Samples [start, end) as a Dataset sharing storage (no copy). */
  slice(start: number, end: number): Dataset {
    if (!isNonNegInt(start) || !isNonNegInt(end) || start > end || end > this.length) {
      throw new Error(`slice(${describe(start)}, ${describe(end)}) is out of range for a dataset of ${this.length} samples`);
    }
    const size = this.sampleSize;
    const store = this.store.subarray(start * size, end * size);
    const labels = this.labels ? this.labels.subarray(start, end) : null;
    const ids = this.ids ? this.ids.slice(start, end) : null;
    return new Dataset(store, end - start, this.sampleShape, this.scale, labels, ids);
  }

  /** A new Dataset holding copies of the samples (and labels) at `indices`. */
  take(indices: ArrayLike<number>): Dataset {
    const m = indices.length;
    const size = this.sampleSize;
    const Ctor = this.store.constructor as new (n: number) => SampleStore;
    const store = new Ctor(m * size);
    const labels = this.labels ? new Int32Array(m) : null;
    const ids = this.ids ? new Array<string>(m) : null;
    for (let k = 0; k < m; k++) {
      const i = indices[k];
      this.checkIndex(i, k);
      store.set(this.store.subarray(i * size, (i + 1) * size), k * size);
      if (labels) labels[k] = this.labels![i];
      if (ids) ids[k] = this.ids![i];
    }
    return new Dataset(store, m, this.sampleShape, this.scale, labels, ids);
  }
}

/**
 * Batches of sample indices covering 0..n-1: in order, or shuffled with the given seeded Rng (a fresh
 * permutation per call). The last batch may be smaller.
 */
export function batchIndices(n: number, batchSize: number, rng?: Rng): Uint32Array[] {
  if (!isNonNegInt(n)) throw new Error(`number of samples must be a non-negative integer, got ${describe(n)}`);
  if (!isNonNegInt(batchSize) || batchSize === 0) {
    throw new Error(`batchSize must be a positive integer, got ${describe(batchSize)}`);
  }
  let order: Uint32Array;
  if (rng) order = rng.permutation(n);
  else {
    order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
  }
  const batches: Uint32Array[] = [];
  for (let s = 0; s < n; s += batchSize) batches.push(order.subarray(s, Math.min(n, s + batchSize)));
  return batches;
}

/**
 * Keras-style validation split: the LAST `fraction` of the samples (not shuffled) become validation. As in
 * Keras, the training part is the first floor(n * (1 - fraction)) samples. Both parts share storage with `ds`.
 */
export function splitValidation(ds: Dataset, fraction: number): { train: Dataset; val: Dataset } {
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
    throw new Error(`validation fraction must be strictly between 0 and 1, got ${describe(fraction)}`);
  }
  const n = ds.length;
  // The small epsilon keeps e.g. 100 * (1 - 0.43) = 56.99999999999999 from losing a sample to rounding.
  const nTrain = Math.min(n, Math.floor(n * (1 - fraction) + 1e-9));
  if (nTrain === 0 || nTrain === n) {
    throw new Error(
      `validation fraction ${fraction} of ${n} samples leaves ${nTrain === 0 ? 'no training' : 'no validation'} samples`,
    );
  }
  return { train: ds.slice(0, nTrain), val: ds.slice(nTrain, n) };
}
