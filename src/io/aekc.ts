/**
 * The .aekc file ("aekit compressed"): a batch of samples (images, table rows, sequences) compressed by an
 * autoencoder, stored as their codes quantized to 8 bits per value (analysis/quantize.ts), plus what
 * decompression needs besides the model file: what the samples were (kind, shape, value range) and their ids.
 *
 * Layout, version 3 (all integers and floats little-endian, no padding anywhere):
 *   offset 0      4 bytes   magic "AEKC" (0x41 0x45 0x4B 0x43)
 *   offset 4      u32       format version, 3
 *   offset 8      u32       H, byte length of the header
 *   offset 12     H bytes   header: a UTF-8 JSON object (below)
 *   12 + H        dim f32   per-dimension minimum of the codes
 *   + 4 dim       dim f32   per-dimension maximum of the codes
 *   + 8 dim       n*dim u8  the quantized codes, sample after sample (row-major [n, dim]; a feature map's
 *                           values in the model's own order, NHWC for a conv code)
 *   only when the header has "ids": true:
 *                 u32       B, byte length of the ids
 *                 B bytes   the ids: a UTF-8 JSON array of n strings
 *                 u32       CRC-32 (zip's, data/npy.ts crc32) of every byte before it
 * and the file ends exactly there.
 *
 * The checksum covers the whole file, header included: a flipped bit anywhere (a code, a min, a digit of the
 * value range) is an error (AekitError code E_CHECKSUM), not images decoded wrong. Version 2 is version 3 without
 * the checksum; version 1 and 2 files are still read, unchecked (they have nothing to check against, and
 * refusing them would orphan every file written before), and `version` on the result says which it was.
 *
 * Header (every field required unless marked optional; unknown fields are rejected):
 *   { "model": { "sha256": 64 hex digits,   the model's fingerprint (analysis/compress.ts modelFingerprint:
 *                                            SHA-256 of its kind, config and weights)
 *                "kind": "ConvAutoencoder", "layers": its architecture() line,
 *                "inputDim": values per sample, "latentDim": values per code (a 4x4x8 feature map: 128) },
 *     "n": samples, "dim": code values per sample (= model.latentDim),
 *     "data": { "kind": "image" | "tabular" | "sequence",
 *               "sampleShape": [h, w, c] | [features] | [steps, features]   its product is model.inputDim,
 *               "valueRange"?: [lo, hi]       the data's fixed range ([0, 255] for 8-bit images),
 *               "featureNames"?: [...]        one per feature, when they are not the model file's own,
 *               "idColumn"?: "name" }         the name of the ids' column in the source table,
 *     "quantization": "uint8-minmax",
 *     "samplesSha256"?: 64 hex digits         SHA-256 of the model inputs' float32 values (lets a reader check it
 *                                            has the same originals before comparing against them),
 *     "ids"?: true                            an ids section follows the codes,
 *     "source"?: { string: string | number | string[] }   free-form: where the samples came from }
 *
 * Ids belong in the file because they are part of what the samples are: decompressed rows that cannot be told
 * apart are useless to join back to anything, and the source they came from may be gone. They are stored as
 * they are (not compressed), and counted in the file's size like everything else.
 *
 * Version 1 files (every MNIST-era file) are still read: their "imageShape" [h, w] (grey images of 8-bit
 * pixels, stored as [0, 1] model inputs) becomes data { kind: 'image', sampleShape: [h, w, 1], valueRange:
 * [0, 255] } and "imagesSha256" becomes samplesSha256; the reader returns every file in the version 2 form.
 *
 * Reading validates everything (magic, version, header size and JSON, every field, the exact body length:
 * truncation and trailing bytes are both errors, finite min <= max per dimension) and each error names the
 * file. Writing validates the same way and is atomic (temp file + rename).
 */
import { readFileSync } from 'node:fs';
import { crc32 } from '../data/npy.js';
import { AekitError, type AekitErrorCode } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

export const AEKC_MAGIC = 'AEKC';
/** The version written; every version from 1 up to it is read. */
export const AEKC_VERSION = 3;
/** Bytes before the header: magic, version, header length. */
export const AEKC_PREAMBLE = 12;
/** Headers are a few hundred bytes (a few KB with feature names); anything above this is corruption. */
export const AEKC_MAX_HEADER = 1 << 20;
export const AEKC_QUANTIZATION = 'uint8-minmax';
export const AEKC_DATA_KINDS = ['image', 'tabular', 'sequence'] as const;
export type AekcDataKind = (typeof AEKC_DATA_KINDS)[number];

export interface AekcModelId {
  sha256: string;
  kind: string;
  layers: string;
  inputDim: number;
  latentDim: number;
}

/** What the compressed samples are. */
export interface AekcData {
  kind: AekcDataKind;
  sampleShape: number[];
  valueRange?: [number, number];
  featureNames?: string[];
  idColumn?: string;
}

export interface AekcHeader {
  model: AekcModelId;
  n: number;
  dim: number;
  data: AekcData;
  quantization: typeof AEKC_QUANTIZATION;
  samplesSha256?: string;
  /** True when the file carries one id per sample (AekcFile.ids). */
  ids?: true;
  source?: Record<string, string | number | string[]>;
}

/** A decoded (or to-be-encoded) .aekc file. `origin` is where it was read from (for messages; never written). */
export interface AekcFile {
  header: AekcHeader;
  /** Per-dimension minimum and maximum of the codes, `dim` each. */
  min: Float32Array;
  max: Float32Array;
  /** n * dim quantized code values, sample after sample. */
  codes: Uint8Array;
  /** One id per sample when header.ids is true, else null (or absent). */
  ids?: string[] | null;
  origin?: string;
  /** The format version the file was read from (1 to 3); never written (files are always written as 3). */
  version?: number;
}

/** Every malformed file or invalid input to encodeAekc; the message names the file. An AekitError (errors.ts). */
export class AekcError extends AekitError {
  constructor(message: string, code: AekitErrorCode = 'E_FORMAT') {
    super(message, code);
    this.name = 'AekcError';
  }
}

type Fail = (m: string, code?: AekitErrorCode) => never;

const HEX64 = /^[0-9a-f]{64}$/;

function show(v: unknown): string {
  let s: string;
  try {
    s = v === undefined ? 'undefined' : JSON.stringify(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function posInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

function checkKeys(o: Record<string, unknown>, allowed: readonly string[], where: string, fail: Fail): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`${where} has an unknown field ${show(k)}`);
}

function checkModel(m: unknown, fail: Fail): AekcModelId {
  if (!isObject(m)) return fail(`header.model must be an object, got ${show(m)}`);
  checkKeys(m, ['sha256', 'kind', 'layers', 'inputDim', 'latentDim'], 'header.model', fail);
  if (typeof m.sha256 !== 'string' || !HEX64.test(m.sha256)) fail(`header.model.sha256 must be 64 lowercase hex digits, got ${show(m.sha256)}`);
  if (typeof m.kind !== 'string' || m.kind === '') fail(`header.model.kind must be a non-empty string, got ${show(m.kind)}`);
  if (typeof m.layers !== 'string') fail(`header.model.layers must be a string, got ${show(m.layers)}`);
  if (!posInt(m.inputDim)) fail(`header.model.inputDim must be a positive integer, got ${show(m.inputDim)}`);
  if (!posInt(m.latentDim)) fail(`header.model.latentDim must be a positive integer, got ${show(m.latentDim)}`);
  return { sha256: m.sha256 as string, kind: m.kind as string, layers: m.layers as string, inputDim: m.inputDim as number, latentDim: m.latentDim as number };
}

/** n and dim, checked against the model and each other. */
function checkCounts(h: Record<string, unknown>, model: AekcModelId, fail: Fail): { n: number; dim: number } {
  const { n, dim } = h;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) fail(`header.n must be a non-negative integer, got ${show(n)}`);
  if (!posInt(dim)) fail(`header.dim must be a positive integer, got ${show(dim)}`);
  if (dim !== model.latentDim) fail(`header.dim ${show(dim)} differs from the model's latentDim ${show(model.latentDim)}`);
  if (!Number.isSafeInteger((n as number) * (dim as number))) fail(`header.n ${show(n)} x header.dim ${show(dim)} is too large`, 'E_TOO_LARGE');
  return { n: n as number, dim: dim as number };
}

function checkShape(shape: unknown, what: string, inputDim: number, fail: Fail): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every(posInt)) fail(`${what} must be a non-empty array of positive integers, got ${show(shape)}`);
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  if (size !== inputDim) fail(`${what} ${show(shape)} holds ${size} values but the model's inputDim is ${inputDim}`);
  return [...(shape as number[])];
}

function checkData(d: unknown, inputDim: number, fail: Fail): AekcData {
  if (!isObject(d)) return fail(`header.data must be an object, got ${show(d)}`);
  checkKeys(d, ['kind', 'sampleShape', 'valueRange', 'featureNames', 'idColumn'], 'header.data', fail);
  if (!(AEKC_DATA_KINDS as readonly unknown[]).includes(d.kind)) fail(`header.data.kind must be one of ${AEKC_DATA_KINDS.join(', ')}, got ${show(d.kind)}`);
  const kind = d.kind as AekcDataKind;
  const sampleShape = checkShape(d.sampleShape, 'header.data.sampleShape', inputDim, fail);
  const rank = { image: 3, sequence: 2, tabular: 1 }[kind];
  if (sampleShape.length !== rank) fail(`header.data.sampleShape ${show(sampleShape)} is not the shape of ${kind} samples (${rank} axes)`);
  const out: AekcData = { kind, sampleShape };
  if (d.valueRange !== undefined) {
    const r = d.valueRange;
    if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(r[0] < r[1])) {
      fail(`header.data.valueRange must be [lo, hi] with finite lo < hi, got ${show(r)}`);
    }
    out.valueRange = [(r as number[])[0], (r as number[])[1]];
  }
  if (d.featureNames !== undefined) {
    const f = d.featureNames;
    const features = sampleShape[sampleShape.length - 1];
    if (kind === 'image') fail('header.data.featureNames are for tables and sequences, not images');
    if (!Array.isArray(f) || f.length !== features || !f.every((s) => typeof s === 'string')) {
      fail(`header.data.featureNames must be ${features} strings (one per feature), got ${show(f)}`);
    }
    out.featureNames = [...(f as string[])];
  }
  if (d.idColumn !== undefined) {
    if (typeof d.idColumn !== 'string' || d.idColumn === '') fail(`header.data.idColumn must be a non-empty string, got ${show(d.idColumn)}`);
    out.idColumn = d.idColumn as string;
  }
  return out;
}

function checkSource(source: unknown, fail: Fail): Record<string, string | number | string[]> {
  if (!isObject(source)) return fail(`header.source must be an object, got ${show(source)}`);
  for (const [k, v] of Object.entries(source)) {
    const ok = typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || (Array.isArray(v) && v.every((s) => typeof s === 'string'));
    if (!ok) fail(`header.source.${k} must be a string, a finite number or a list of strings, got ${show(v)}`);
  }
  return JSON.parse(JSON.stringify(source)) as Record<string, string | number | string[]>;
}

function checkSha(v: unknown, what: string, fail: Fail): string {
  if (typeof v !== 'string' || !HEX64.test(v)) fail(`${what} must be 64 lowercase hex digits, got ${show(v)}`);
  return v as string;
}

/** Checks a version 2 header object field by field; returns it typed. `fail` prefixes the file name. */
export function checkAekcHeader(h: unknown, fail: Fail): AekcHeader {
  if (!isObject(h)) return fail('header must be a JSON object');
  checkKeys(h, ['model', 'n', 'dim', 'data', 'quantization', 'samplesSha256', 'ids', 'source'], 'header', fail);
  const model = checkModel(h.model, fail);
  const { n, dim } = checkCounts(h, model, fail);
  const data = checkData(h.data, model.inputDim, fail);
  if (h.quantization !== AEKC_QUANTIZATION) fail(`header.quantization must be ${show(AEKC_QUANTIZATION)}, got ${show(h.quantization)}`);
  if (h.ids !== undefined && h.ids !== true) fail(`header.ids must be true when present, got ${show(h.ids)}`);
  const out: AekcHeader = { model, n, dim, data, quantization: AEKC_QUANTIZATION };
  if (h.samplesSha256 !== undefined) out.samplesSha256 = checkSha(h.samplesSha256, 'header.samplesSha256', fail);
  if (h.ids === true) out.ids = true;
  if (h.source !== undefined) out.source = checkSource(h.source, fail);
  return out;
}

/** A version 1 header (grey 8-bit images as [0, 1] inputs), checked as version 1 was, in the version 2 form. */
function upgradeV1Header(h: unknown, fail: Fail): AekcHeader {
  if (!isObject(h)) return fail('header must be a JSON object');
  checkKeys(h, ['model', 'n', 'dim', 'imageShape', 'quantization', 'imagesSha256', 'source'], 'header', fail);
  const model = checkModel(h.model, fail);
  const { n, dim } = checkCounts(h, model, fail);
  const shape = checkShape(h.imageShape, 'header.imageShape', model.inputDim, fail);
  if (h.quantization !== AEKC_QUANTIZATION) fail(`header.quantization must be ${show(AEKC_QUANTIZATION)}, got ${show(h.quantization)}`);
  if (shape.length > 3 || (shape.length === 3 && ![1, 3, 4].includes(shape[2]))) fail(`header.imageShape ${show(shape)} is not an image shape`);
  // Version 1 wrote [h, w] for grey images (every file 'aekit compress' made: MNIST, Fashion-MNIST); the library
  // could also record [h, w, c] or one flat axis, which was rows of values.
  const data: AekcData = shape.length === 1 ? { kind: 'tabular', sampleShape: shape }
    : { kind: 'image', sampleShape: shape.length === 2 ? [...shape, 1] : shape, valueRange: [0, 255] };
  const out: AekcHeader = { model, n, dim, data, quantization: AEKC_QUANTIZATION };
  if (h.imagesSha256 !== undefined) out.samplesSha256 = checkSha(h.imagesSha256, 'header.imagesSha256', fail);
  if (h.source !== undefined) out.source = checkSource(h.source, fail);
  return out;
}

function checkMinMax(min: Float32Array, max: Float32Array, fail: Fail): void {
  for (let j = 0; j < min.length; j++) {
    if (!Number.isFinite(min[j]) || !Number.isFinite(max[j])) fail(`dimension ${j}: min ${min[j]} / max ${max[j]} must be finite`);
    if (min[j] > max[j]) fail(`dimension ${j}: min ${min[j]} is greater than max ${max[j]}`);
  }
}

function checkIds(ids: unknown, n: number, fail: Fail): string[] {
  if (!Array.isArray(ids)) return fail(`ids must be an array of ${n} strings, got ${show(ids)}`);
  if (ids.length !== n) fail(`the file holds ${n} samples but ${ids.length} ids`);
  const i = ids.findIndex((s) => typeof s !== 'string');
  if (i >= 0) fail(`id ${i} is ${show(ids[i])}, not a string`);
  return ids as string[];
}

/** Serializes a batch of quantized codes to .aekc bytes (version 3); throws AekcError on invalid input. */
export function encodeAekc(file: AekcFile): Uint8Array {
  const fail = (m: string, code?: AekitErrorCode): never => {
    throw new AekcError(`aekc encode: ${m}`, code);
  };
  if (!isObject(file)) fail('expected { header, min, max, codes }');
  const header = checkAekcHeader(file.header, fail);
  const { n, dim } = header;
  const { min, max, codes } = file;
  if (!(min instanceof Float32Array) || min.length !== dim) fail(`min must be a Float32Array of ${dim} values`);
  if (!(max instanceof Float32Array) || max.length !== dim) fail(`max must be a Float32Array of ${dim} values`);
  if (!(codes instanceof Uint8Array) || codes.length !== n * dim) fail(`codes must be a Uint8Array of n x dim = ${n * dim} values`);
  checkMinMax(min, max, fail);
  const hasIds = file.ids !== undefined && file.ids !== null;
  if (hasIds !== (header.ids === true)) fail(hasIds ? 'ids are given but header.ids is not true' : 'header.ids is true but no ids are given');
  const idBytes = hasIds ? new TextEncoder().encode(JSON.stringify(checkIds(file.ids, n, fail))) : null;
  const json = new TextEncoder().encode(JSON.stringify(header));
  if (json.length > AEKC_MAX_HEADER) fail(`header would be ${json.length} bytes, over the ${AEKC_MAX_HEADER}-byte limit`);
  const out = new Uint8Array(AEKC_PREAMBLE + json.length + 8 * dim + n * dim + (idBytes ? 4 + idBytes.length : 0) + 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = AEKC_MAGIC.charCodeAt(i);
  view.setUint32(4, AEKC_VERSION, true);
  view.setUint32(8, json.length, true);
  out.set(json, AEKC_PREAMBLE);
  let p = AEKC_PREAMBLE + json.length;
  for (const arr of [min, max]) {
    for (let j = 0; j < dim; j++, p += 4) view.setFloat32(p, arr[j], true);
  }
  out.set(codes, p);
  p += n * dim;
  if (idBytes) {
    view.setUint32(p, idBytes.length, true);
    out.set(idBytes, p + 4);
  }
  const sum = out.length - 4;
  view.setUint32(sum, crc32(out.subarray(0, sum)), true);
  return out;
}

function utf8(bytes: Uint8Array, what: string, fail: Fail): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return fail(`${what} is not valid UTF-8`);
  }
}

function json(text: string, what: string, fail: Fail): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail(`${what} is not valid JSON (${(e as Error).message})`);
  }
}

/** Parses .aekc bytes (version 1 or 2); `origin` (a file name) is used in error messages and kept on the result. */
export function decodeAekc(bytes: Uint8Array, origin = '<bytes>'): AekcFile {
  const fail = (m: string, code?: AekitErrorCode): never => {
    throw new AekcError(`${origin}: ${m}`, code);
  };
  if (!(bytes instanceof Uint8Array)) fail('expected a Uint8Array');
  if (bytes.length < 4) fail(`file is ${bytes.length} bytes, too short to be an .aekc file (truncated?)`, 'E_TRUNCATED');
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== AEKC_MAGIC) {
    fail(`not an .aekc compressed-codes file (starts with ${show(magic)}, expected ${show(AEKC_MAGIC)})`);
  }
  if (bytes.length < AEKC_PREAMBLE) fail(`file is ${bytes.length} bytes, shorter than the ${AEKC_PREAMBLE}-byte preamble: truncated`, 'E_TRUNCATED');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version < 1 || version > AEKC_VERSION) {
    fail(`unsupported .aekc version ${version} (this aekit reads versions 1 to ${AEKC_VERSION}${version > AEKC_VERSION ? '; the file was written by a newer aekit' : ''})`, 'E_UNSUPPORTED');
  }
  const h = view.getUint32(8, true);
  if (h > AEKC_MAX_HEADER) fail(`header length ${h} is over the ${AEKC_MAX_HEADER}-byte limit: corrupt file`, 'E_TOO_LARGE');
  if (AEKC_PREAMBLE + h > bytes.length) fail(`header length ${h} runs past the end of the file (${bytes.length} bytes): truncated`, 'E_TRUNCATED');
  const parsed = json(utf8(bytes.subarray(AEKC_PREAMBLE, AEKC_PREAMBLE + h), 'header', fail), 'header', fail);
  const header = version === 1 ? upgradeV1Header(parsed, fail) : checkAekcHeader(parsed, fail);
  const { n, dim } = header;
  const start = AEKC_PREAMBLE + h;
  const need = 8 * dim + n * dim;
  const sumBytes = version >= 3 ? 4 : 0;
  const have = bytes.length - start - sumBytes;
  if (have < need) {
    fail(`truncated: the header announces ${n} samples of ${dim} code bytes, which need ${need} bytes after the header (min/max ${8 * dim} + codes ${n * dim}), but the file has ${have}`, 'E_TRUNCATED');
  }
  let end = start + need;
  let idsText: Uint8Array | null = null;
  if (header.ids) {
    if (bytes.length - sumBytes < end + 4) fail(`truncated: the header announces ids after the codes, but the file ends ${bytes.length - sumBytes - end} bytes after them`, 'E_TRUNCATED');
    const b = view.getUint32(end, true);
    if (end + 4 + b > bytes.length - sumBytes) fail(`truncated: the ids need ${b} bytes, but the file has ${bytes.length - sumBytes - end - 4} after their length`, 'E_TRUNCATED');
    idsText = bytes.subarray(end + 4, end + 4 + b);
    end += 4 + b;
  }
  if (bytes.length > end + sumBytes) {
    fail(`${bytes.length - end - sumBytes} trailing bytes after the ${n} x ${dim} codes${idsText ? ' and the ids' : ''}${sumBytes ? ' and the checksum' : ''} (file ${bytes.length} bytes, expected ${end + sumBytes})`);
  }
  // Before the ids are parsed: a flipped bit in them is a checksum error, not a JSON one.
  if (sumBytes) checkSum(bytes, end, fail);
  const ids = idsText && checkIds(json(utf8(idsText, 'the ids section', fail), 'the ids section', fail), n, fail);
  const min = new Float32Array(dim);
  const max = new Float32Array(dim);
  let p = start;
  for (const arr of [min, max]) {
    for (let j = 0; j < dim; j++, p += 4) arr[j] = view.getFloat32(p, true);
  }
  checkMinMax(min, max, fail);
  const codes = bytes.slice(p, p + n * dim);
  return { header, min, max, codes, ids, origin, version };
}

/** The CRC-32 stored at `at` against that of every byte before it. */
function checkSum(bytes: Uint8Array, at: number, fail: Fail): void {
  const stored = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
  const actual = crc32(bytes.subarray(0, at));
  if (stored !== actual) {
    const hex = (v: number): string => v.toString(16).padStart(8, '0');
    fail(`checksum mismatch: the file's CRC-32 is ${hex(stored)} but its bytes give ${hex(actual)} (damaged file)`, 'E_CHECKSUM');
  }
}

/** Encodes and writes atomically (temp file + fsync + rename): a failed write leaves any previous file intact. */
export function writeAekc(path: string, file: AekcFile): number {
  const bytes = encodeAekc(file);
  writeFileAtomic(path, bytes);
  return bytes.length;
}

/** Reads and decodes an .aekc file; every error names `path`. */
export function readAekc(path: string): AekcFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AekcError(`${path}: file not found`, 'E_IO');
    if (code === 'EISDIR') throw new AekcError(`${path}: is a directory, not an .aekc file`, 'E_IO');
    throw new AekcError(`${path}: cannot read (${(e as Error).message})`, 'E_IO');
  }
  return decodeAekc(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}
