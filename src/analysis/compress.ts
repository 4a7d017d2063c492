/**
 * Compression with an autoencoder (seeds 000/001/004: "data-specific and lossy"): an image is stored as its
 * code h = f(x), each code value quantized to one byte, and rebuilt as g(h') from the dequantized code h'.
 *
 * Quantization (per code dimension j, over the n images of a batch):
 *   min_j, max_j = the smallest and largest value of dimension j, stored as float32 (for float64 codes they
 *                  are rounded outwards to float32, so every value stays inside [min_j, max_j]);
 *   q   = round((v - min_j) / (max_j - min_j) * 255)   with Math.round: halves go up; q in 0..255;
 *   v'  = min_j + q * (max_j - min_j) / 255            q = 0 gives min_j and q = 255 gives max_j exactly;
 *   so |v - v'| <= (max_j - min_j) / 510, plus the float32 rounding of v' (half an ulp of v').
 *   A constant dimension (max_j = min_j) stores q = 0 and comes back exactly (v' = min_j = v).
 * The file (io/aekc.ts) holds a small JSON header, 8 bytes per dimension for min/max, and n * dim code bytes,
 * so bytes per image -> dim as n grows (a 32-value code costs 32 bytes against 784 raw 8-bit pixels).
 *
 * The file names the model that made it by a fingerprint, modelFingerprint(): SHA-256 over the model's kind,
 * its config (as canonical JSON) and every weight's name, dtype, shape and little-endian bytes. It does not
 * depend on how the model was saved (training notes in the file header do not count), so the model read back
 * from its file matches the in-memory model that compressed the images, and any other model is refused.
 *
 * compressionReport measures what a user wants to know: bytes per image (file bytes / n), the ratio against
 * raw 8-bit pixels (inputDim bytes per image) and against PNG, and the PSNR of the decompressed images.
 * The PNG baseline (our choice, stated in every report): each image on its own as an 8-bit grey PNG file
 * (encodePng: pngjs, deflate level 9, adaptive filters), the mean size of those files. That is how single
 * images are stored and sent; every PNG file carries about 60 bytes of fixed overhead (signature, IHDR, IDAT and
 * IEND chunk framing, zlib header and checksum), a lot next to a 28x28 image, so the report also
 * gives `pngStackBytesPerImage`, one PNG of all the images stacked vertically divided by n, where the
 * overhead is shared (a fairer lossless baseline for a whole batch).
 * PSNR is the mean over images of 10 log10(1 / MSE) (pixels in [0, 1], metrics.ts psnr), measured on the
 * float images decompressed from the encoded bytes, against the originals; `psnrUnquantized` is the same for
 * the plain reconstruction g(f(x)) with float codes, so the cost of the 8-bit quantization is visible.
 */
import { createHash } from 'node:crypto';
import { Dataset } from '../data/dataset.js';
import type { Inputs } from '../data/inputs.js';
import { type AekcFile, type AekcHeader, type AekcModelId, AEKC_QUANTIZATION, decodeAekc, encodeAekc } from '../io/aekc.js';
import { Tensor, tensor } from '../tensor/tensor.js';
import { encodePng, type Channels } from '../viz/png.js';
import { psnr } from './metrics.js';

/** What compression needs of a model: every autoencoder kind aekit has (Autoencoder and its variants, VAE, StackedAutoencoder). */
export interface CodecModel {
  readonly config: { readonly inputDim: number; readonly latentDim: number; readonly hidden?: readonly number[] };
  encode(x: Inputs): Tensor;
  decode(h: Inputs): Tensor;
  modelConfig(): { kind: string; config: object };
  namedTensors(): [string, Tensor][];
}

export interface QuantizedCodes {
  /** n * dim bytes, image after image. */
  bytes: Uint8Array;
  min: Float32Array;
  max: Float32Array;
}

// ---------------------------------------------------------------------------------------------------------------
// quantization

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
const FLOAT32_MAX = 3.4028234663852886e38;

/** The next float32 after the float32 `f`, towards -Infinity (dir -1) or +Infinity (dir 1). */
function nextFloat32(f: number, dir: 1 | -1): number {
  if (f === 0) return dir * 1.401298464324817e-45;
  F32[0] = f;
  U32[0] += (f > 0) === (dir > 0) ? 1 : -1;
  return F32[0];
}

/** The largest float32 <= x (dir -1) or the smallest float32 >= x (dir 1). */
function float32Toward(x: number, dir: 1 | -1): number {
  const f = Math.fround(x);
  return (dir < 0 ? f > x : f < x) ? nextFloat32(f, dir) : f;
}

function checkCounts(n: number, dim: number, what: string): void {
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${what}: n must be a positive integer, got ${n}`);
  if (!Number.isSafeInteger(dim) || dim <= 0) throw new Error(`${what}: dim must be a positive integer, got ${dim}`);
}

/**
 * Quantizes n codes of `dim` values (row-major [n, dim]) to one byte each against per-dimension min/max (see
 * the module comment for the exact rounding). Codes must be finite and within float32 range.
 */
export function quantizeCodes(codes: Float32Array | Float64Array, n: number, dim: number): QuantizedCodes {
  checkCounts(n, dim, 'quantizeCodes');
  if (!(codes instanceof Float32Array || codes instanceof Float64Array)) throw new Error('quantizeCodes: codes must be a Float32Array or Float64Array');
  if (codes.length !== n * dim) throw new Error(`quantizeCodes: codes has ${codes.length} values but n x dim = ${n} x ${dim} = ${n * dim}`);
  const min = new Float32Array(dim);
  const max = new Float32Array(dim);
  const lo = new Float64Array(dim).fill(Infinity);
  const hi = new Float64Array(dim).fill(-Infinity);
  for (let i = 0, p = 0; i < n; i++) {
    for (let j = 0; j < dim; j++, p++) {
      const v = codes[p];
      if (!Number.isFinite(v) || Math.abs(v) > FLOAT32_MAX) {
        throw new Error(`quantizeCodes: code ${i}, dimension ${j} is ${v} (codes must be finite float32 values; has the model diverged?)`);
      }
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
  }
  for (let j = 0; j < dim; j++) {
    min[j] = float32Toward(lo[j], -1);
    max[j] = float32Toward(hi[j], 1);
  }
  const bytes = new Uint8Array(n * dim);
  for (let i = 0, p = 0; i < n; i++) {
    for (let j = 0; j < dim; j++, p++) {
      const range = max[j] - min[j];
      if (range === 0) continue; // constant dimension: q = 0, dequantized to min exactly
      const q = Math.round(((codes[p] - min[j]) / range) * 255);
      bytes[p] = q < 0 ? 0 : q > 255 ? 255 : q;
    }
  }
  return { bytes, min, max };
}

/** The codes v' = min_j + q * (max_j - min_j) / 255 as float32, [n, dim] row-major (q = 0 / 255 give min / max exactly). */
export function dequantizeCodes(q: QuantizedCodes, n: number, dim: number): Float32Array {
  checkCounts(n, dim, 'dequantizeCodes');
  const { bytes, min, max } = q;
  if (!(bytes instanceof Uint8Array) || bytes.length !== n * dim) throw new Error(`dequantizeCodes: bytes must be a Uint8Array of n x dim = ${n * dim} values`);
  if (!(min instanceof Float32Array) || min.length !== dim || !(max instanceof Float32Array) || max.length !== dim) {
    throw new Error(`dequantizeCodes: min and max must be Float32Arrays of ${dim} values`);
  }
  const out = new Float32Array(n * dim);
  for (let i = 0, p = 0; i < n; i++) {
    for (let j = 0; j < dim; j++, p++) {
      const b = bytes[p];
      out[p] = b === 0 ? min[j] : b === 255 ? max[j] : min[j] + (b * (max[j] - min[j])) / 255;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// model identity

/** JSON with object keys sorted at every level (undefined members dropped, as JSON.stringify does). */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function littleEndianBytes(a: Float32Array | Float64Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN_HOST) return bytes;
  const out = new Uint8Array(bytes);
  const size = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < out.length; i += size) out.subarray(i, i + size).reverse();
  return out;
}

/** SHA-256 (hex) of the model's kind, config and weights: equal for a model and the same model read back from its file. */
export function modelFingerprint(model: CodecModel): string {
  const { kind, config } = model.modelConfig();
  const h = createHash('sha256');
  h.update(`aekit-model-fingerprint/1\n${kind}\n${canonicalJson(config)}\n`);
  const named = [...model.namedTensors()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, t] of named) {
    h.update(`${name}\n${t.dtype}\n${t.shape.join(',')}\n`);
    h.update(littleEndianBytes(t.toTypedArray() as Float32Array | Float64Array));
  }
  return h.digest('hex');
}

/** "784-256-32-256-784": the layer widths from input to reconstruction. */
function layerSizes(c: CodecModel['config']): string {
  const enc = [c.inputDim, ...(c.hidden ?? []), c.latentDim];
  return [...enc, ...enc.slice(0, -1).reverse()].join('-');
}

/** The identification an .aekc header carries for `model`. */
export function modelId(model: CodecModel): AekcModelId {
  const c = model.config;
  return { sha256: modelFingerprint(model), kind: model.modelConfig().kind, layers: layerSizes(c), inputDim: c.inputDim, latentDim: c.latentDim };
}

// ---------------------------------------------------------------------------------------------------------------
// images

interface Images {
  /** Float32 pixel values, n * size. */
  values: Float32Array;
  n: number;
  size: number;
  /** The sample shape the input itself declares (Dataset / Tensor), or null for plain rows. */
  shape: readonly number[] | null;
}

function readImages(images: Inputs, what = 'images'): Images {
  if (images instanceof Dataset) return { values: images.toFloat32(), n: images.length, size: images.sampleSize, shape: images.sampleShape };
  if (images instanceof Tensor) {
    if (images.ndim < 2) throw new Error(`${what} must be a batch [n, ...pixels], got a tensor of rank ${images.ndim}`);
    const a = images.toTypedArray();
    const n = images.shape[0];
    return { values: a instanceof Float32Array ? new Float32Array(a) : Float32Array.from(a), n, size: n ? images.size / n : 0, shape: images.shape.slice(1) };
  }
  if (Array.isArray(images)) {
    const n = images.length;
    const size = n ? images[0].length : 0;
    const values = new Float32Array(n * size);
    images.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== size) throw new Error(`${what}: row ${i} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${size}`);
      values.set(row, i * size);
    });
    return { values, n, size, shape: null };
  }
  throw new Error(`${what} must be a Dataset, a Tensor [n, ...] or an array of rows`);
}

function checkImages(model: CodecModel, img: Images, what: string): void {
  if (img.n === 0) throw new Error(`${what}: no images to compress`);
  if (img.size !== model.config.inputDim) throw new Error(`${what}: images have ${img.size} values, the model takes ${model.config.inputDim}`);
  for (let i = 0; i < img.values.length; i++) {
    if (!Number.isFinite(img.values[i])) throw new Error(`${what}: image ${Math.floor(i / img.size)}, value ${i % img.size} is ${img.values[i]}`);
  }
}

/**
 * The image shape to record: `given` if any (its product must be inputDim), else the input's own multi-axis
 * sample shape, else [s, s] when inputDim is a perfect square (784 -> [28, 28]), else [inputDim].
 */
function imageShapeOf(inputDim: number, img: Images, given?: readonly number[]): number[] {
  if (given !== undefined) {
    if (!Array.isArray(given) || given.length === 0 || !given.every((d) => Number.isSafeInteger(d) && d > 0)) {
      throw new Error(`imageShape must be a non-empty array of positive integers, got ${JSON.stringify(given)}`);
    }
    const size = given.reduce((a, b) => a * b, 1);
    if (size !== inputDim) throw new Error(`imageShape [${given.join(', ')}] holds ${size} values but the model takes ${inputDim}`);
    return [...given];
  }
  if (img.shape && img.shape.length > 1) return [...img.shape];
  const s = Math.round(Math.sqrt(inputDim));
  return s * s === inputDim ? [s, s] : [inputDim];
}

/** Height, width and channels of one image for PNG, or null when the shape is not an image PNG can hold. */
function pngGeometry(shape: readonly number[]): { height: number; width: number; channels: Channels } | null {
  if (shape.length === 2) return { height: shape[0], width: shape[1], channels: 1 };
  if (shape.length === 3 && (shape[2] === 1 || shape[2] === 3 || shape[2] === 4)) return { height: shape[0], width: shape[1], channels: shape[2] as Channels };
  return null;
}

function toBytes(v: Float32Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  for (let i = start; i < end; i++) {
    const x = v[i];
    out[i - start] = x <= 0 ? 0 : x >= 1 ? 255 : Math.round(x * 255);
  }
  return out;
}

/**
 * Mean size of each image as its own 8-bit PNG file (pixels in [0, 1] -> round(v * 255)) and, `stack`, the size of
 * one PNG of all images stacked vertically divided by n. Null for shapes PNG cannot hold.
 */
export function pngSizes(images: Inputs, imageShape?: readonly number[]): { perImage: number; stack: number } | null {
  const img = readImages(images);
  if (img.n === 0) throw new Error('pngSizes: no images');
  const geo = pngGeometry(imageShapeOf(img.size, img, imageShape));
  if (!geo) return null;
  let total = 0;
  for (let i = 0; i < img.n; i++) {
    total += encodePng({ ...geo, data: toBytes(img.values, i * img.size, (i + 1) * img.size) }).length;
  }
  const stack = encodePng({ width: geo.width, height: geo.height * img.n, channels: geo.channels, data: toBytes(img.values, 0, img.values.length) }).length;
  return { perImage: total / img.n, stack: stack / img.n };
}

function sha256(a: Float32Array): string {
  return createHash('sha256').update(littleEndianBytes(a)).digest('hex');
}

// ---------------------------------------------------------------------------------------------------------------
// compress / decompress

export interface CompressOptions {
  /** Shape of one image, recorded in the file (default: see imageShapeOf: 784 -> [28, 28]). */
  imageShape?: readonly number[];
  /** Free-form description of the images' origin, stored in the header (e.g. { data: 'mnist', split: 'test' }). */
  source?: Record<string, string | number>;
}

function compressValues(model: CodecModel, img: Images, opts: CompressOptions): { file: AekcFile; codes: Float32Array | Float64Array } {
  const { n } = img;
  const dim = model.config.latentDim;
  const h = model.encode(tensor(img.values, [n, img.size]));
  if (h.ndim !== 2 || h.shape[0] !== n || h.shape[1] !== dim) throw new Error(`compressImages: the model's encode gave shape [${h.shape.join(', ')}], expected [${n}, ${dim}]`);
  const codes = h.toTypedArray() as Float32Array | Float64Array;
  const q = quantizeCodes(codes, n, dim);
  const header: AekcHeader = {
    model: modelId(model),
    n,
    dim,
    imageShape: imageShapeOf(model.config.inputDim, img, opts.imageShape),
    quantization: AEKC_QUANTIZATION,
    imagesSha256: sha256(img.values),
  };
  if (opts.source) header.source = { ...opts.source };
  return { file: { header, min: q.min, max: q.max, codes: q.bytes }, codes };
}

/** Encodes `images` with the model and quantizes the codes: the contents of an .aekc file (encodeAekc / writeAekc). */
export function compressImages(model: CodecModel, images: Inputs, opts: CompressOptions = {}): AekcFile {
  const img = readImages(images);
  checkImages(model, img, 'compressImages');
  return compressValues(model, img, opts).file;
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

/**
 * Decodes the images of a compressed batch, [n, inputDim]. Throws, naming the file, when `model` is not the
 * model that compressed them (fingerprints differ).
 */
export function decompressImages(model: CodecModel, file: AekcFile): Tensor {
  const where = file.origin ?? 'compressed codes';
  const want = file.header.model;
  const have = modelId(model);
  if (have.sha256 !== want.sha256) {
    throw new Error(`${where}: compressed by another model (${want.kind} ${want.layers}, fingerprint ${short(want.sha256)}), ` +
      `not by this one (${have.kind} ${have.layers}, fingerprint ${short(have.sha256)}): decompress with the model that compressed it`);
  }
  const { n, dim } = file.header;
  if (n === 0) return tensor(new Float32Array(0), [0, model.config.inputDim]);
  const codes = dequantizeCodes({ bytes: file.codes, min: file.min, max: file.max }, n, dim);
  return model.decode(tensor(codes, [n, dim]));
}

// ---------------------------------------------------------------------------------------------------------------
// reports

export interface CompressionReport {
  /** What was compressed (e.g. 'fashion test'). */
  name: string;
  /** The model's fingerprint (first 12 hex digits) and layers. */
  model: string;
  layers: string;
  n: number;
  /** Code values (= code bytes) per image. */
  dim: number;
  /** Size of the whole .aekc file. */
  fileBytes: number;
  /** fileBytes / n: what one image costs, header and min/max included. */
  bytesPerImage: number;
  /** Header, preamble and min/max bytes (fileBytes - n * dim). */
  overheadBytes: number;
  /** One byte per pixel: inputDim. */
  rawBytesPerImage: number;
  /** Mean size of each image as its own 8-bit PNG file (null when the images are not 2-D). */
  pngBytesPerImage: number | null;
  /** Size of one PNG of all the images stacked, / n (null when the images are not 2-D). */
  pngStackBytesPerImage: number | null;
  ratioVsRaw: number;
  ratioVsPng: number | null;
  ratioVsPngStack: number | null;
  /** Mean per-image PSNR (dB) of the images decompressed from the file's bytes. */
  psnr: number;
  /** Mean per-image PSNR (dB) of g(f(x)) with unquantized codes. */
  psnrUnquantized: number;
  /** How the PNG baseline was measured (for whoever reads the JSON later). */
  pngBaseline: string;
}

export const PNG_BASELINE = 'each image as its own 8-bit grey PNG file (pngjs, deflate level 9, adaptive filters), mean size';

export interface CompressionReportOptions extends CompressOptions {
  model: CodecModel;
  images: Inputs;
  name: string;
  /** PNG sizes already measured for these images (skips re-encoding them, e.g. one data set, several models). */
  png?: { perImage: number; stack: number } | null;
}

/** Compresses, encodes the file, decompresses its bytes and measures: the report plus the file and its bytes. */
export function compressWithReport(opts: CompressionReportOptions): { report: CompressionReport; file: AekcFile; bytes: Uint8Array } {
  const { model, name } = opts;
  const img = readImages(opts.images);
  checkImages(model, img, name);
  const { file, codes } = compressValues(model, img, opts);
  const bytes = encodeAekc(file);
  const originals = tensor(img.values, [img.n, img.size]);
  const decoded = decompressImages(model, decodeAekc(bytes, name));
  const exact = model.decode(tensor(codes, [img.n, file.header.dim], { dtype: codes instanceof Float64Array ? 'float64' : 'float32' }));
  const png = opts.png !== undefined ? opts.png : pngSizes(opts.images, file.header.imageShape);
  const report = buildReport(name, file, bytes.length, png, psnr(decoded, originals), psnr(exact, originals));
  return { report, file, bytes };
}

function buildReport(name: string, file: AekcFile, fileBytes: number, png: { perImage: number; stack: number } | null, p: number, pUnq: number): CompressionReport {
  const { n, dim, model } = file.header;
  const bytesPerImage = fileBytes / n;
  return {
    name,
    model: short(model.sha256),
    layers: model.layers,
    n,
    dim,
    fileBytes,
    bytesPerImage,
    overheadBytes: fileBytes - n * dim,
    rawBytesPerImage: model.inputDim,
    pngBytesPerImage: png ? png.perImage : null,
    pngStackBytesPerImage: png ? png.stack : null,
    ratioVsRaw: model.inputDim / bytesPerImage,
    ratioVsPng: png ? png.perImage / bytesPerImage : null,
    ratioVsPngStack: png ? png.stack / bytesPerImage : null,
    psnr: p,
    psnrUnquantized: pUnq,
    pngBaseline: PNG_BASELINE,
  };
}

/** Bytes per image, ratios against raw pixels and PNG, and PSNR of compressing `images` with `model`. */
export function compressionReport(opts: CompressionReportOptions): CompressionReport {
  return compressWithReport(opts).report;
}

/**
 * The same numbers for a file already written: `originals` are the images it was made from (checked against
 * the file's imagesSha256 when it has one). `fileBytes` is the file's size.
 */
export function decompressionReport(opts: { model: CodecModel; file: AekcFile; fileBytes: number; originals: Inputs; name?: string }): CompressionReport {
  const { model, file } = opts;
  const name = opts.name ?? file.origin ?? 'compressed codes';
  const img = readImages(opts.originals, 'originals');
  const { n, imageShape, imagesSha256 } = file.header;
  if (img.n !== n || img.size !== model.config.inputDim) {
    throw new Error(`${name}: holds ${n} images of ${model.config.inputDim} values, but the originals given are ${img.n} of ${img.size}`);
  }
  if (imagesSha256 !== undefined && sha256(img.values) !== imagesSha256) {
    throw new Error(`${name}: the originals given are not the images this file was made from (their SHA-256 differs from the file's imagesSha256)`);
  }
  const decoded = decompressImages(model, file);
  const originals = tensor(img.values, [n, img.size]);
  const exact = model.decode(model.encode(originals));
  return buildReport(name, file, opts.fileBytes, pngSizes(opts.originals, imageShape), psnr(decoded, originals), psnr(exact, originals));
}

// ---------------------------------------------------------------------------------------------------------------
// cross-dataset

export interface CrossCompressionRow extends CompressionReport {
  /** Name of the model (the data set it was trained on). */
  trainedOn: string;
  /** Name of the data set compressed. */
  data: string;
  /** The model compressing the data it was trained on. */
  own: boolean;
}

/**
 * "Data-specific": every model compresses every data set. `models` and `datasets` are keyed by data-set name
 * (a model is named after the data it was trained on, so `own` rows are models[k] on datasets[k]).
 */
export function crossDatasetCompression(opts: { models: Record<string, CodecModel>; datasets: Record<string, Inputs>; imageShape?: readonly number[] }): CrossCompressionRow[] {
  const rows: CrossCompressionRow[] = [];
  const png = new Map<string, { perImage: number; stack: number } | null>();
  for (const [data, images] of Object.entries(opts.datasets)) png.set(data, pngSizes(images, opts.imageShape));
  for (const [trainedOn, model] of Object.entries(opts.models)) {
    for (const [data, images] of Object.entries(opts.datasets)) {
      const { report } = compressWithReport({ model, images, name: data, imageShape: opts.imageShape, png: png.get(data) });
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
    r.trainedOn + (r.own ? ' (own)' : ''), r.data, String(r.n), fmt(r.bytesPerImage, 2), fmt(r.ratioVsRaw, 1),
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
