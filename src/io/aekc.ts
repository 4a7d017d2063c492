/**
 * The .aekc file ("aekit compressed"): a batch of images compressed by an autoencoder, stored as their codes
 * quantized to 8 bits per value (see analysis/compress.ts for the quantization itself).
 *
 * Layout (all integers and floats little-endian, no padding anywhere):
 *   offset 0      4 bytes   magic "AEKC" (0x41 0x45 0x4B 0x43)
 *   offset 4      u32       format version, 1
 *   offset 8      u32       H, byte length of the header
 *   offset 12     H bytes   header: a UTF-8 JSON object (below)
 *   12 + H        dim f32   per-dimension minimum of the codes
 *   + 4 dim       dim f32   per-dimension maximum of the codes
 *   + 8 dim       n*dim u8  the quantized codes, image after image (row-major [n, dim])
 * and the file ends exactly there: total size 12 + H + 8 dim + n dim bytes.
 *
 * Header (every field required unless marked optional; unknown fields are rejected):
 *   { "model": { "sha256": 64 hex digits,         the model's fingerprint (analysis/compress.ts modelFingerprint:
 *                                                  SHA-256 of its kind, config and weights)
 *                "kind": "Autoencoder", "layers": "784-256-32-256-784", "inputDim": 784, "latentDim": 32 },
 *     "n": images, "dim": code values per image (= model.latentDim),
 *     "imageShape": [28, 28]                       its product is model.inputDim,
 *     "quantization": "uint8-minmax",
 *     "imagesSha256"?: 64 hex digits               SHA-256 of the original images' float32 values (lets a reader
 *                                                  check it has the same originals before comparing against them),
 *     "source"?: { string: string | number }       free-form description of where the images came from }
 *
 * Reading validates everything (magic, version, header size and JSON, every field, the exact body length:
 * truncation and trailing bytes are both errors, finite min <= max per dimension) and each error names the
 * file. Writing validates the same way and is atomic (temp file + rename).
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';

export const AEKC_MAGIC = 'AEKC';
export const AEKC_VERSION = 1;
/** Bytes before the header: magic, version, header length. */
export const AEKC_PREAMBLE = 12;
/** Headers are a few hundred bytes; anything above this is corruption. */
export const AEKC_MAX_HEADER = 1 << 20;
export const AEKC_QUANTIZATION = 'uint8-minmax';

export interface AekcModelId {
  sha256: string;
  kind: string;
  layers: string;
  inputDim: number;
  latentDim: number;
}

export interface AekcHeader {
  model: AekcModelId;
  n: number;
  dim: number;
  imageShape: number[];
  quantization: typeof AEKC_QUANTIZATION;
  imagesSha256?: string;
  source?: Record<string, string | number>;
}

/** A decoded (or to-be-encoded) .aekc file. `origin` is where it was read from (for messages; never written). */
export interface AekcFile {
  header: AekcHeader;
  /** Per-dimension minimum and maximum of the codes, `dim` each. */
  min: Float32Array;
  max: Float32Array;
  /** n * dim quantized code values, image after image. */
  codes: Uint8Array;
  origin?: string;
}

/** Every malformed file or invalid input to encodeAekc; the message names the file. */
export class AekcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AekcError';
  }
}

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

function checkKeys(o: Record<string, unknown>, allowed: readonly string[], where: string, fail: (m: string) => never): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`${where} has an unknown field ${show(k)}`);
}

/** Checks a header object field by field; returns it typed. `fail` prefixes the file name. */
export function checkAekcHeader(h: unknown, fail: (m: string) => never): AekcHeader {
  if (!isObject(h)) return fail('header must be a JSON object');
  checkKeys(h, ['model', 'n', 'dim', 'imageShape', 'quantization', 'imagesSha256', 'source'], 'header', fail);
  const m = h.model;
  if (!isObject(m)) fail(`header.model must be an object, got ${show(m)}`);
  const model = m as Record<string, unknown>;
  checkKeys(model, ['sha256', 'kind', 'layers', 'inputDim', 'latentDim'], 'header.model', fail);
  if (typeof model.sha256 !== 'string' || !HEX64.test(model.sha256)) fail(`header.model.sha256 must be 64 lowercase hex digits, got ${show(model.sha256)}`);
  if (typeof model.kind !== 'string' || model.kind === '') fail(`header.model.kind must be a non-empty string, got ${show(model.kind)}`);
  if (typeof model.layers !== 'string') fail(`header.model.layers must be a string, got ${show(model.layers)}`);
  if (!posInt(model.inputDim)) fail(`header.model.inputDim must be a positive integer, got ${show(model.inputDim)}`);
  if (!posInt(model.latentDim)) fail(`header.model.latentDim must be a positive integer, got ${show(model.latentDim)}`);
  const { n, dim, imageShape, quantization, imagesSha256, source } = h;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) fail(`header.n must be a non-negative integer, got ${show(n)}`);
  if (!posInt(dim)) fail(`header.dim must be a positive integer, got ${show(dim)}`);
  if (dim !== model.latentDim) fail(`header.dim ${show(dim)} differs from the model's latentDim ${show(model.latentDim)}`);
  if (!Number.isSafeInteger((n as number) * (dim as number))) fail(`header.n ${show(n)} x header.dim ${show(dim)} is too large`);
  if (!Array.isArray(imageShape) || imageShape.length === 0 || !imageShape.every(posInt)) {
    fail(`header.imageShape must be a non-empty array of positive integers, got ${show(imageShape)}`);
  }
  const size = (imageShape as number[]).reduce((a, b) => a * b, 1);
  if (size !== model.inputDim) fail(`header.imageShape ${show(imageShape)} holds ${size} values but the model's inputDim is ${show(model.inputDim)}`);
  if (quantization !== AEKC_QUANTIZATION) fail(`header.quantization must be ${show(AEKC_QUANTIZATION)}, got ${show(quantization)}`);
  if (imagesSha256 !== undefined && (typeof imagesSha256 !== 'string' || !HEX64.test(imagesSha256))) {
    fail(`header.imagesSha256 must be 64 lowercase hex digits, got ${show(imagesSha256)}`);
  }
  if (source !== undefined) {
    if (!isObject(source)) fail(`header.source must be an object, got ${show(source)}`);
    for (const [k, v] of Object.entries(source as Record<string, unknown>)) {
      if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) fail(`header.source.${k} must be a string or a finite number, got ${show(v)}`);
    }
  }
  const out: AekcHeader = {
    model: {
      sha256: model.sha256 as string, kind: model.kind as string, layers: model.layers as string,
      inputDim: model.inputDim as number, latentDim: model.latentDim as number,
    },
    n: n as number,
    dim: dim as number,
    imageShape: [...(imageShape as number[])],
    quantization: AEKC_QUANTIZATION,
  };
  if (imagesSha256 !== undefined) out.imagesSha256 = imagesSha256 as string;
  if (source !== undefined) out.source = { ...(source as Record<string, string | number>) };
  return out;
}

function checkMinMax(min: Float32Array, max: Float32Array, fail: (m: string) => never): void {
  for (let j = 0; j < min.length; j++) {
    if (!Number.isFinite(min[j]) || !Number.isFinite(max[j])) fail(`dimension ${j}: min ${min[j]} / max ${max[j]} must be finite`);
    if (min[j] > max[j]) fail(`dimension ${j}: min ${min[j]} is greater than max ${max[j]}`);
  }
}

/** Serializes a batch of quantized codes to .aekc bytes; throws AekcError on invalid input. */
export function encodeAekc(file: AekcFile): Uint8Array {
  const fail = (m: string): never => {
    throw new AekcError(`aekc encode: ${m}`);
  };
  if (!isObject(file)) fail('expected { header, min, max, codes }');
  const header = checkAekcHeader(file.header, fail);
  const { n, dim } = header;
  const { min, max, codes } = file;
  if (!(min instanceof Float32Array) || min.length !== dim) fail(`min must be a Float32Array of ${dim} values`);
  if (!(max instanceof Float32Array) || max.length !== dim) fail(`max must be a Float32Array of ${dim} values`);
  if (!(codes instanceof Uint8Array) || codes.length !== n * dim) fail(`codes must be a Uint8Array of n x dim = ${n * dim} values`);
  checkMinMax(min, max, fail);
  const json = new TextEncoder().encode(JSON.stringify(header));
  if (json.length > AEKC_MAX_HEADER) fail(`header would be ${json.length} bytes, over the ${AEKC_MAX_HEADER}-byte limit`);
  const out = new Uint8Array(AEKC_PREAMBLE + json.length + 8 * dim + n * dim);
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
  return out;
}

/** Parses .aekc bytes; `origin` (a file name) is used in error messages and kept on the result. */
export function decodeAekc(bytes: Uint8Array, origin = '<bytes>'): AekcFile {
  const fail = (m: string): never => {
    throw new AekcError(`${origin}: ${m}`);
  };
  if (!(bytes instanceof Uint8Array)) fail('expected a Uint8Array');
  if (bytes.length < 4) fail(`file is ${bytes.length} bytes, too short to be an .aekc file (truncated?)`);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== AEKC_MAGIC) {
    fail(`not an .aekc compressed-codes file (starts with ${show(magic)}, expected ${show(AEKC_MAGIC)})`);
  }
  if (bytes.length < AEKC_PREAMBLE) fail(`file is ${bytes.length} bytes, shorter than the ${AEKC_PREAMBLE}-byte preamble: truncated`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== AEKC_VERSION) fail(`unsupported .aekc version ${version} (this aekit reads version ${AEKC_VERSION})`);
  const h = view.getUint32(8, true);
  if (h > AEKC_MAX_HEADER) fail(`header length ${h} is over the ${AEKC_MAX_HEADER}-byte limit: corrupt file`);
  if (AEKC_PREAMBLE + h > bytes.length) fail(`header length ${h} runs past the end of the file (${bytes.length} bytes): truncated`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(AEKC_PREAMBLE, AEKC_PREAMBLE + h));
  } catch {
    return fail('header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  const header = checkAekcHeader(parsed, fail);
  const { n, dim } = header;
  const start = AEKC_PREAMBLE + h;
  const need = 8 * dim + n * dim;
  const have = bytes.length - start;
  if (have < need) {
    fail(`truncated: the header announces ${n} images of ${dim} code bytes, which need ${need} bytes after the header (min/max ${8 * dim} + codes ${n * dim}), but the file has ${have}`);
  }
  if (have > need) fail(`${have - need} trailing bytes after the ${n} x ${dim} codes (file ${bytes.length} bytes, expected ${start + need})`);
  const min = new Float32Array(dim);
  const max = new Float32Array(dim);
  let p = start;
  for (const arr of [min, max]) {
    for (let j = 0; j < dim; j++, p += 4) arr[j] = view.getFloat32(p, true);
  }
  checkMinMax(min, max, fail);
  const codes = bytes.slice(p, p + n * dim);
  return { header, min, max, codes, origin };
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
    if (code === 'ENOENT') throw new AekcError(`${path}: file not found`);
    if (code === 'EISDIR') throw new AekcError(`${path}: is a directory, not an .aekc file`);
    throw new AekcError(`${path}: cannot read (${(e as Error).message})`);
  }
  return decodeAekc(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}
