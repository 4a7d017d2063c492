/**
 * What compression is given: samples as model inputs (a Dataset, a Tensor or rows) and what they are (kind,
 * shape, value range, names), with the library's defaults for callers that do not say (see compress.ts).
 */
import { createHash } from 'node:crypto';
import { Dataset } from '../data/dataset.js';
import type { DataKind } from '../data/info.js';
import type { Inputs } from '../data/inputs.js';
import { Preprocessing } from '../data/preprocess.js';
import type { AekcData } from '../io/aekc-header.js';
import { type AutoencoderModel, shapeSize } from '../models/model.js';
import { Tensor } from '../tensor/tensor.js';

/** Samples as the model takes them, flat. */
export interface Samples {
  /** Float32 model inputs, n * size. */
  values: Float32Array;
  n: number;
  size: number;
  /** The sample shape the input itself declares (Dataset / Tensor), or null for plain rows. */
  shape: readonly number[] | null;
  ids: readonly string[] | null;
}

/** The samples' values, n and size (NaN is checked for where it matters: checkSamples). */
export function readSamples(samples: Inputs, what = 'samples'): Samples {
  if (samples instanceof Dataset) return { values: samples.toFloat32(), n: samples.length, size: samples.sampleSize, shape: samples.sampleShape, ids: samples.ids };
  if (samples instanceof Tensor) {
    if (samples.ndim < 2) throw new Error(`${what} must be a batch [n, ...values], got a tensor of rank ${samples.ndim}`);
    const a = samples.toTypedArray();
    const n = samples.shape[0];
    return { values: a instanceof Float32Array ? new Float32Array(a) : Float32Array.from(a), n, size: n ? samples.size / n : 0, shape: samples.shape.slice(1), ids: null };
  }
  if (Array.isArray(samples)) {
    const n = samples.length;
    const size = n ? samples[0].length : 0;
    const values = new Float32Array(n * size);
    samples.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== size) throw new Error(`${what}: row ${i} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${size}`);
      values.set(row, i * size);
    });
    return { values, n, size, shape: null, ids: null };
  }
  throw new Error(`${what} must be a Dataset, a Tensor [n, ...] or an array of rows`);
}

/** Samples the model can take: some, of its input size, every value finite. */
export function checkSamples(model: AutoencoderModel, s: Samples, what: string): void {
  const want = shapeSize(model.inputShape);
  if (s.n === 0) throw new Error(`${what}: no samples to compress`);
  if (s.size !== want) throw new Error(`${what}: samples have ${s.size} values, the model takes ${want}`);
  for (let i = 0; i < s.values.length; i++) {
    if (!Number.isFinite(s.values[i])) throw new Error(`${what}: sample ${Math.floor(i / s.size)}, value ${i % s.size} is ${s.values[i]}`);
  }
}

/** What the samples are: kind, shape (NHWC for images), the value range fixed by their type, names. */
export interface CompressData {
  kind: DataKind;
  sampleShape: readonly number[];
  /** [0, 255] for 8-bit images; null/absent when the data has no fixed range. */
  valueRange?: readonly [number, number] | null;
  /** Tables and sequences: one name per feature (recorded in the file; leave out when the model file has them). */
  featureNames?: readonly string[] | null;
  /** The name of the ids' column in the source table. */
  idColumn?: string | null;
}

export interface CompressOptions {
  /** What the samples are (default: from imageShape, else the model's input shape and the samples' own). */
  data?: CompressData;
  /** The older way to say "images of this shape": [h, w] (grey) or [h, w, c]; one axis means rows of values. */
  imageShape?: readonly number[];
  /** How the data became the model inputs given (default: 8-bit images scaled to [0, 1], anything else as it is). */
  preprocessing?: Preprocessing | null;
  /**
   * The same samples in the data's own units, as read (what the baselines measure: a CSV value "5.1" mapped to
   * the model and back may come back as 5.1000004, which would inflate the CSV text). Default: the inputs mapped back.
   */
  raw?: Inputs | null;
  /** One id per sample to keep in the file (default: the Dataset's ids; null: none). */
  ids?: readonly string[] | null;
  /** Free-form description of the samples' origin, stored in the header (e.g. { data: 'mnist', split: 'test' }). */
  source?: Record<string, string | number | string[]>;
}

function dataFromShape(shape: readonly number[]): CompressData {
  if (shape.length === 1) return { kind: 'tabular', sampleShape: shape };
  if (shape.length === 2) return { kind: 'image', sampleShape: [...shape, 1] };
  if (shape.length === 3) return { kind: 'image', sampleShape: shape };
  throw new Error(`imageShape must be [h, w], [h, w, c] or one axis, got [${shape.join(', ')}]`);
}

/** The data description to record (see CompressOptions.data), checked against the model's input size. */
export function resolveData(model: AutoencoderModel, s: Samples, opts: CompressOptions): AekcData {
  const inputDim = shapeSize(model.inputShape);
  let d: CompressData;
  if (opts.data) d = opts.data;
  else if (opts.imageShape !== undefined) {
    const g = opts.imageShape;
    if (!Array.isArray(g) || g.length === 0 || !g.every((v) => Number.isSafeInteger(v) && v > 0)) {
      throw new Error(`imageShape must be a non-empty array of positive integers, got ${JSON.stringify(g)}`);
    }
    if (shapeSize(g) !== inputDim) throw new Error(`imageShape [${g.join(', ')}] holds ${shapeSize(g)} values but the model takes ${inputDim}`);
    d = dataFromShape(g);
  } else if (model.inputShape.length === 3) d = { kind: 'image', sampleShape: model.inputShape };
  else if (model.inputShape.length === 2) d = { kind: 'sequence', sampleShape: model.inputShape };
  else if (s.shape && (s.shape.length === 2 || s.shape.length === 3)) d = dataFromShape(s.shape);
  else {
    // A flat model input of a square size is a grey image (784 -> 28x28): every such model aekit trained was.
    const side = Math.round(Math.sqrt(inputDim));
    d = side * side === inputDim ? { kind: 'image', sampleShape: [side, side, 1] } : { kind: 'tabular', sampleShape: [inputDim] };
  }
  if (shapeSize(d.sampleShape) !== inputDim) throw new Error(`data samples of shape [${d.sampleShape.join(', ')}] hold ${shapeSize(d.sampleShape)} values but the model takes ${inputDim}`);
  const out: AekcData = { kind: d.kind, sampleShape: [...d.sampleShape] };
  const range = d.valueRange !== undefined ? d.valueRange : opts.data === undefined && d.kind === 'image' ? [0, 255] as const : null;
  if (range) out.valueRange = [range[0], range[1]];
  if (d.featureNames) out.featureNames = [...d.featureNames];
  if (d.idColumn) out.idColumn = d.idColumn;
  return out;
}

/** The preprocessing to map model values back with: the given one, else aekit's default for the data. */
export function resolvePreprocessing(data: AekcData, given: Preprocessing | null | undefined): Preprocessing {
  if (given) return given;
  return data.kind === 'image' && data.valueRange?.[0] === 0 ? Preprocessing.scaleBy(data.valueRange[1]) : Preprocessing.none();
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes of float values in little-endian order, whatever the host's (what SHA-256s are taken over). */
export function littleEndianBytes(a: Float32Array | Float64Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN_HOST) return bytes;
  const out = new Uint8Array(bytes);
  const size = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < out.length; i += size) out.subarray(i, i + size).reverse();
  return out;
}

/** SHA-256 (hex) of float32 values: how a file recognizes the samples it was made from. */
export function valuesSha256(a: Float32Array): string {
  return createHash('sha256').update(littleEndianBytes(a)).digest('hex');
}
