/**
 * The .aekc file ("aekit compressed") as bytes: a batch of samples (images, table rows, sequences) compressed by
 * an autoencoder, stored as their codes quantized to 8 bits per value (analysis/quantize.ts), plus what
 * decompression needs besides the model file: a JSON header and the samples' ids. Only the framing lives here
 * (layout, checksum, versions, files on disk); what the header must say is aekc-header.ts, so either can be
 * read, and changed, without the other.
 *
 * Layout, version 3 (all integers and floats little-endian, no padding anywhere):
 *   offset 0      4 bytes   magic "AEKC" (0x41 0x45 0x4B 0x43)
 *   offset 4      u32       format version, 3
 *   offset 8      u32       H, byte length of the header
 *   offset 12     H bytes   header: a UTF-8 JSON object (aekc-header.ts)
 *   12 + H        dim f32   per-dimension minimum of the codes
 *   + 4 dim       dim f32   per-dimension maximum of the codes
 *   + 8 dim       n*dim u8  the quantized codes, sample after sample (row-major [n, dim]; a feature map's
 *                           values in the model's own order, NHWC for a conv code)
 *   only when the header has "ids": true:
 *                 u32       B, byte length of the ids
 *                 B bytes   the ids: a UTF-8 JSON array of n strings
 *                 u32       CRC-32 (zip's, data/crc32.ts) of every byte before it
 * and the file ends exactly there.
 *
 * The checksum covers the whole file, header included: a flipped bit anywhere (a code, a min, a digit of the
 * value range) is an error (AekitError code E_CHECKSUM), not images decoded wrong. Version 2 is version 3 without
 * the checksum; version 1 and 2 files are still read, unchecked (they have nothing to check against, and
 * refusing them would orphan every file written before), and `version` on the result says which it was.
 *
 * Ids belong in the file because they are part of what the samples are: decompressed rows that cannot be told
 * apart are useless to join back to anything, and the source they came from may be gone. They are stored as
 * they are (not compressed), and counted in the file's size like everything else.
 *
 * Reading validates everything (magic, version, header size and JSON, every field, the exact body length:
 * truncation and trailing bytes are both errors, finite min <= max per dimension) and each error names the
 * file. Writing validates the same way and is atomic (temp file + rename).
 */
import { readFileSync } from 'node:fs';
import { crc32 } from '../data/crc32.js';
import { AekitError, type AekitErrorCode } from '../errors.js';
import { type AekcHeader, checkAekcHeader, type Fail, isObject, show, upgradeV1Header } from './aekc-header.js';
import { writeFileAtomic } from './atomic.js';

export const AEKC_MAGIC = 'AEKC';
/** The version written; every version from 1 up to it is read. */
export const AEKC_VERSION = 3;
/** Bytes before the header: magic, version, header length. */
export const AEKC_PREAMBLE = 12;
/** Headers are a few hundred bytes (a few KB with feature names); anything above this is corruption. */
export const AEKC_MAX_HEADER = 1 << 20;

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
