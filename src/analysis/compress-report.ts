/**
 * What a compression is worth: bytes per sample against the lossless baselines (compress-baselines.ts) and the
 * error of the decompressed samples.
 *
 * Units. The model sees its inputs (the data after the model file's Preprocessing); people judge the data in
 * its own units. So samples are given as model inputs, with the Preprocessing that made them, and every
 * metric is taken in the data's units: the originals are the inputs mapped back (a missing cell filled at
 * training counts as its fill value), the decompressed samples the decoder's outputs mapped back.
 *   images: PSNR, mean over images of 10 log10(1 / MSE) on values scaled to [0, 1] by the data's value range
 *           ([0, 255] for 8-bit images; without a fixed range, the originals' own min and max), and SSIM for
 *           grey images (7x7 windows, metrics.ts); where the model's inputs already are data / range (aekit's
 *           'scale' preprocessing of 8-bit images), those inputs are used as they are: the same numbers
 *           without a float32 round trip, and the numbers the MNIST commands always printed;
 *   every kind: MSE per value in the data's units;
 * each measured on the samples decompressed from the encoded bytes, and `...Unquantized` on g(f(x)) with
 * float codes, so the cost of the 8-bit quantization is visible. A NaN metric is an error, never a result.
 * Baselines: raw 8-bit pixels and PNG for 8-bit images; raw float32, CSV text and deflated CSV otherwise,
 * measured on the raw samples when given (the values as read), else on the inputs mapped back.
 */
import type { DataKind } from '../data/info.js';
import type { Inputs } from '../data/inputs.js';
import type { Preprocessing } from '../data/preprocess.js';
import { type AekcFile, decodeAekc, encodeAekc } from '../io/aekc.js';
import type { AekcData } from '../io/aekc-header.js';
import { shapeSize } from '../models/model.js';
import { type Tensor, tensor } from '../tensor/tensor.js';
import { CSV_BASELINE, csvBaseline, PNG_BASELINE, pngBaseline } from './compress-baselines.js';
import { type CodecModel, compressValues, decompressSamples, short } from './compress.js';
import { checkSamples, type CompressOptions, readSamples, resolvePreprocessing, valuesSha256 } from './compress-samples.js';
import { psnr, ssim } from './metrics.js';


interface Units {
  data: AekcData;
  prep: Preprocessing;
  /** [lo, hi] that maps image values to [0, 1] (null for other kinds). */
  range: [number, number] | null;
  /** The model's inputs already are (data - 0) / range: measure on them as they are. */
  direct: boolean;
}

function unitsFor(data: AekcData, prep: Preprocessing, inputs: Float32Array): Units {
  if (data.kind !== 'image') return { data, prep, range: null, direct: false };
  let range = data.valueRange ?? null;
  if (!range) {
    const units = prep.inverse(inputs);
    let lo = Infinity, hi = -Infinity;
    for (const v of units) { if (v < lo) lo = v; if (v > hi) hi = v; }
    range = hi > lo ? [lo, hi] : [lo, lo + 1];
  }
  const direct = prep.period === 1 && prep.shift[0] === 0 && range[0] === 0 && prep.scale[0] === range[1];
  return { data, prep, range: [range[0], range[1]], direct };
}

/** Image values in [0, 1] of model values (the data's units over its range). */
function display(u: Units, v: Float32Array | Float64Array): Float32Array | Float64Array {
  if (u.direct) return v;
  const [lo, hi] = u.range!;
  return u.prep.inverse(v).map((x) => (x - lo) / (hi - lo));
}

/** MSE per value in the data's units: the shift cancels, each difference scales by its feature's scale (float64). */
function dataMse(u: Units, a: ArrayLike<number>, b: ArrayLike<number>): number {
  const { scale, period } = u.prep;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] - b[i]) * scale[i % period]) ** 2;
  return s / a.length;
}

interface Quality { psnr: number | null; ssim: number | null; mse: number }

function quality(u: Units, decoded: Float32Array | Float64Array, inputs: Float32Array, n: number, name: string, what: string): Quality {
  const mse = dataMse(u, decoded, inputs);
  // A NaN output makes every metric NaN (and PSNR's own check throw): say what happened, once.
  if (Number.isNaN(mse)) throw new Error(`${name}: the MSE of the ${what} samples is NaN (the model's outputs are not finite numbers)`);
  let p: number | null = null, q: number | null = null;
  if (u.data.kind === 'image') {
    const size = inputs.length / n;
    const t = (v: Float32Array | Float64Array): Tensor => tensor(v, [n, size], { dtype: v instanceof Float64Array ? 'float64' : 'float32' });
    const a = t(display(u, decoded)), b = t(display(u, inputs));
    p = psnr(a, b);
    const [h, w, c] = u.data.sampleShape;
    if (c === 1 && h >= 7 && w >= 7) q = ssim(a, b, { height: h, width: w });
  }
  for (const [metric, v] of [['PSNR', p], ['SSIM', q]] as const) {
    if (Number.isNaN(v)) throw new Error(`${name}: the ${metric} of the ${what} samples is NaN (the model's outputs are not finite numbers)`);
  }
  return { psnr: p, ssim: q, mse };
}

// ---------------------------------------------------------------------------------------------------------------
// reports

export interface CompressionReport {
  /** What was compressed (e.g. 'mnist test'). */
  name: string;
  /** The model's fingerprint (first 12 hex digits) and layers. */
  model: string;
  layers: string;
  /** The data: its kind and the shape of one sample. */
  dataKind: DataKind;
  sampleShape: number[];
  n: number;
  /** Code values (= code bytes) per sample. */
  dim: number;
  /** Size of the whole .aekc file. */
  fileBytes: number;
  /** fileBytes / n: what one sample costs, header, min/max and id included. */
  bytesPerSample: number;
  /** Preamble, header and min/max bytes (fileBytes - n * dim - idBytes). */
  overheadBytes: number;
  /** The ids section (its length and the JSON list of ids), 0 without ids. */
  idBytes: number;
  /** One byte per value of 8-bit images, four (float32) for anything else. */
  rawBytesPerSample: number;
  ratioVsRaw: number;
  /** Images: each as its own 8-bit PNG file, and one PNG of all stacked, / n (null for other data and shapes PNG cannot hold). */
  pngBytesPerImage: number | null;
  pngStackBytesPerImage: number | null;
  ratioVsPng: number | null;
  ratioVsPngStack: number | null;
  /** Tables and sequences: each row as CSV text, and all rows' CSV deflated, / n (null for images). */
  csvBytesPerSample: number | null;
  csvDeflateBytesPerSample: number | null;
  ratioVsCsv: number | null;
  ratioVsCsvDeflate: number | null;
  /** Images: the value range PSNR and SSIM scale to [0, 1]. */
  valueRange: [number, number] | null;
  /** Images: mean per-image PSNR (dB) of the samples decompressed from the file's bytes, and of g(f(x)) with float codes. */
  psnr: number | null;
  psnrUnquantized: number | null;
  /** Grey images at least 7x7: mean SSIM, the same two ways. */
  ssim: number | null;
  ssimUnquantized: number | null;
  /** MSE per value in the data's units, the same two ways. */
  mse: number;
  mseUnquantized: number;
  /** How the baselines were measured (for whoever reads the JSON later). */
  baseline: string;
}

/** Lossless sizes of the originals, per sample (measured once per data set, whatever the model). */
export interface Baselines {
  png: { perImage: number; stack: number } | null;
  csv: { perSample: number; deflate: number } | null;
}

export interface CompressionReportOptions extends CompressOptions {
  model: CodecModel;
  /** The samples, as model inputs. */
  samples: Inputs;
  name: string;
  /** Baselines already measured for these samples (skips re-encoding them, e.g. one data set, several models). */
  baselines?: Baselines;
}

/** The baselines a report measured (to reuse for the same samples compressed by another model). */
export function baselinesOf(r: CompressionReport): Baselines {
  return {
    png: r.pngBytesPerImage === null ? null : { perImage: r.pngBytesPerImage, stack: r.pngStackBytesPerImage! },
    csv: r.csvBytesPerSample === null ? null : { perSample: r.csvBytesPerSample, deflate: r.csvDeflateBytesPerSample! },
  };
}

function idBytesOf(file: AekcFile): number {
  return file.ids ? 4 + new TextEncoder().encode(JSON.stringify(file.ids)).length : 0;
}

/** PNG or CSV sizes of the originals (the raw samples when given, else the inputs mapped back), as the report's baselines. */
function measureBaselines(u: Units, inputs: Float32Array, n: number, raw: Inputs | null | undefined): Baselines {
  const shape = u.data.sampleShape;
  let units: Float32Array | null = null;
  if (raw) {
    const r = readSamples(raw, 'raw samples');
    if (r.n !== n || r.size !== inputs.length / n) throw new Error(`raw samples: ${r.n} of ${r.size} values, but the inputs are ${n} of ${inputs.length / n}`);
    units = r.values;
  }
  if (u.data.kind === 'image') {
    const [lo, hi] = u.range!;
    return { png: pngBaseline(units ? units.map((v) => (v - lo) / (hi - lo)) : display(u, inputs), n, shape), csv: null };
  }
  return { png: null, csv: csvBaseline(units ?? u.prep.inverse(inputs), n, shapeSize(shape)) };
}

function buildReport(name: string, file: AekcFile, fileBytes: number, u: Units, base: Baselines, got: Quality, exact: Quality): CompressionReport {
  const { n, dim, model, data } = file.header;
  const bytesPerSample = fileBytes / n;
  const idBytes = idBytesOf(file);
  const eightBit = data.kind === 'image' && data.valueRange?.[0] === 0 && data.valueRange[1] === 255;
  const raw = shapeSize(data.sampleShape) * (eightBit ? 1 : 4);
  const ratio = (b: number | null | undefined): number | null => (b === null || b === undefined ? null : b / bytesPerSample);
  return {
    name, model: short(model.sha256), layers: model.layers, dataKind: data.kind, sampleShape: [...data.sampleShape],
    n, dim, fileBytes, bytesPerSample, overheadBytes: fileBytes - n * dim - idBytes, idBytes,
    rawBytesPerSample: raw, ratioVsRaw: raw / bytesPerSample,
    pngBytesPerImage: base.png?.perImage ?? null, pngStackBytesPerImage: base.png?.stack ?? null,
    ratioVsPng: ratio(base.png?.perImage), ratioVsPngStack: ratio(base.png?.stack),
    csvBytesPerSample: base.csv?.perSample ?? null, csvDeflateBytesPerSample: base.csv?.deflate ?? null,
    ratioVsCsv: ratio(base.csv?.perSample), ratioVsCsvDeflate: ratio(base.csv?.deflate),
    valueRange: u.range, psnr: got.psnr, psnrUnquantized: exact.psnr, ssim: got.ssim, ssimUnquantized: exact.ssim,
    mse: got.mse, mseUnquantized: exact.mse,
    baseline: data.kind === 'image' ? PNG_BASELINE : CSV_BASELINE,
  };
}

/** Compresses, encodes the file, decompresses its bytes and measures: the report plus the file and its bytes. */
export function compressWithReport(opts: CompressionReportOptions): { report: CompressionReport; file: AekcFile; bytes: Uint8Array } {
  const { model, name } = opts;
  const s = readSamples(opts.samples);
  checkSamples(model, s, name);
  const { file, codes } = compressValues(model, s, opts);
  const bytes = encodeAekc(file);
  const u = unitsFor(file.header.data, resolvePreprocessing(file.header.data, opts.preprocessing), s.values);
  const decoded = decompressSamples(model, decodeAekc(bytes, name)).toTypedArray() as Float32Array | Float64Array;
  const exact = model.decode(tensor(codes, [s.n, ...model.codeShape], { dtype: codes instanceof Float64Array ? 'float64' : 'float32' })).toTypedArray() as Float32Array | Float64Array;
  const base = opts.baselines ?? measureBaselines(u, s.values, s.n, opts.raw);
  const report = buildReport(name, file, bytes.length, u, base, quality(u, decoded, s.values, s.n, name, 'decompressed'), quality(u, exact, s.values, s.n, name, 'reconstructed'));
  return { report, file, bytes };
}

/** Bytes per sample, ratios against the baselines, and the quality of compressing `samples` with `model`. */
export function compressionReport(opts: CompressionReportOptions): CompressionReport {
  return compressWithReport(opts).report;
}

/**
 * The same numbers for a file already written: `originals` are the model inputs it was made from (checked
 * against the file's samplesSha256 when it has one), `preprocessing` how they were made. `fileBytes` is the file's size.
 */
export function decompressionReport(opts: { model: CodecModel; file: AekcFile; fileBytes: number; originals: Inputs; preprocessing?: Preprocessing | null; raw?: Inputs | null; name?: string }): CompressionReport {
  const { model, file } = opts;
  const name = opts.name ?? file.origin ?? 'compressed codes';
  const s = readSamples(opts.originals, 'originals');
  const { n, samplesSha256 } = file.header;
  const size = shapeSize(model.inputShape);
  if (s.n !== n || s.size !== size) {
    throw new Error(`${name}: holds ${n} samples of ${size} values, but the originals given are ${s.n} of ${s.size}`);
  }
  if (samplesSha256 !== undefined && valuesSha256(s.values) !== samplesSha256) {
    throw new Error(`${name}: the originals given are not the samples this file was made from (their SHA-256 differs from the file's)`);
  }
  const u = unitsFor(file.header.data, resolvePreprocessing(file.header.data, opts.preprocessing), s.values);
  const decoded = decompressSamples(model, file).toTypedArray() as Float32Array | Float64Array;
  const x = tensor(s.values, [n, ...model.inputShape]);
  const exact = model.decode(model.encode(x)).toTypedArray() as Float32Array | Float64Array;
  return buildReport(name, file, opts.fileBytes, u, measureBaselines(u, s.values, n, opts.raw),
    quality(u, decoded, s.values, n, name, 'decompressed'), quality(u, exact, s.values, n, name, 'reconstructed'));
}

/**
 * Mean size of each image (values in [0, 1]) as its own 8-bit PNG file and, `stack`, one PNG of all of them
 * stacked vertically divided by n. `imageShape` as CompressOptions'; null for shapes PNG cannot hold.
 */
export function pngSizes(images: Inputs, imageShape?: readonly number[]): { perImage: number; stack: number } | null {
  const s = readSamples(images, 'images');
  if (s.n === 0) throw new Error('pngSizes: no images');
  let shape: readonly number[];
  if (imageShape !== undefined) {
    if (shapeSize(imageShape) !== s.size) throw new Error(`imageShape [${imageShape.join(', ')}] holds ${shapeSize(imageShape)} values but the images have ${s.size}`);
    shape = imageShape;
  } else if (s.shape && s.shape.length > 1) shape = s.shape;
  else {
    const side = Math.round(Math.sqrt(s.size));
    shape = side * side === s.size ? [side, side] : [s.size];
  }
  return pngBaseline(s.values, s.n, shape);
}
