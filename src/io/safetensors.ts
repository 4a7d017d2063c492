/**
 * A standalone safetensors codec over plain typed arrays (no Tensor class involved).
 *
 * File layout (huggingface/safetensors README "Format", and `read_metadata`/`Metadata::validate` in
 * safetensors/src/tensor.rs of the reference implementation):
 *   - 8 bytes: N, unsigned little-endian 64-bit header length;
 *   - N bytes: UTF-8 JSON object `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {string: string} }`,
 *     starting with `{` and possibly padded at the end with spaces (0x20);
 *   - the byte buffer: raw little-endian, C-order tensor data. `data_offsets` are relative to its start.
 *
 * Writing follows the reference serializer: tensors sorted by descending dtype alignment (F64 before F32), then by
 * name (byte-wise / code point order); laid out back to back with no gaps; `__metadata__` first in the header; the
 * header padded with spaces so the data starts at an 8-byte-aligned file offset.
 *
 * Reading enforces the reference reader's rules (header length <= 100_000_000, header must fit in the file, valid
 * UTF-8, valid JSON; tensors sorted by offsets must tile the byte buffer exactly with no gap and no overlap, each
 * one's byte length equal to product(shape) * dtype size, the last end equal to the buffer length) plus two rules
 * the spec states but the reference does not check: the header must begin with `{`, and duplicate keys are
 * rejected (a duplicate tensor name lets two parsers disagree about a file's content).
 * Only F32 and F64 are supported; other valid safetensors dtypes are rejected with an error naming the dtype.
 *
 * Decoded arrays are fresh copies (own, aligned buffers), converted from little-endian whatever the platform.
 * Bytes are copied rather than read as numbers, so NaN payloads round-trip bit for bit.
 */

import { AekitError, type AekitErrorCode } from '../errors.js';

export type SafeDType = 'F32' | 'F64';

export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  data: Float32Array | Float64Array;
}

export interface SafetensorsContents {
  tensors: Record<string, SafeTensor>;
  metadata: Record<string, string>;
}

/**
 * Thrown for every malformed file or invalid encode input; the message names the file and the offending item.
 * An AekitError (errors.ts) whose code says which kind of problem it is.
 */
export class SafetensorsError extends AekitError {
  constructor(message: string, code: AekitErrorCode = 'E_FORMAT') {
    super(message, code);
    this.name = 'SafetensorsError';
  }
}

/** The reference implementation's MAX_HEADER_SIZE (safetensors/src/tensor.rs). */
export const MAX_HEADER_SIZE = 100_000_000;

const METADATA_KEY = '__metadata__';

const SUPPORTED: Record<SafeDType, { size: number; rank: number }> = {
  // rank = position in the reference's Dtype enum order (increasing alignment); only the relative order matters.
  F32: { size: 4, rank: 0 },
  F64: { size: 8, rank: 1 },
};

/** Every dtype the safetensors format defines (reference Dtype enum); used to tell "unsupported" from "unknown". */
const KNOWN_DTYPES = new Set([
  'BOOL', 'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'I16', 'U16', 'F16', 'BF16',
  'I32', 'U32', 'F32', 'C64', 'F64', 'I64', 'U64',
]);

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------------------------
// helpers

function show(v: unknown): string {
  let s: string;
  try {
    s = v === undefined ? 'undefined' : JSON.stringify(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own-property assignment that also works for the key "__proto__". */
function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Compare strings by Unicode code point, which is the order of their UTF-8 bytes (Rust's `String` order). */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return a.length - i === 0 ? (b.length - j === 0 ? 0 : -1) : 1;
}

/** Product of a validated shape, or null when it is not a safe integer. */
function elementCount(shape: readonly number[]): number | null {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return null;
  }
  return n;
}

function isValidShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0);
}

/** Reverse each `size`-byte group in place (little-endian <-> big-endian). */
function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/**
 * Finds a key that occurs twice in one JSON object. JSON.parse keeps the last occurrence silently; the spec forbids
 * duplicates. `text` must already be valid JSON (JSON.parse succeeded), so this scanner only tracks nesting.
 */
function findDuplicateKey(text: string): string | null {
  const stack: Array<{ keys: Set<string> | null; expectKey: boolean }> = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top !== undefined && top.keys !== null && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b /* { */) stack.push({ keys: new Set(), expectKey: true });
    else if (c === 0x5b /* [ */) stack.push({ keys: null, expectKey: false });
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) stack.pop();
    else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top !== undefined && top.keys !== null) top.expectKey = true;
    }
    i++;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// encode

/**
 * Serializes tensors (and optional string metadata) to safetensors bytes. Throws SafetensorsError on invalid input:
 * empty or reserved names, unsupported dtype, dtype/array mismatch, bad shape, data length != product(shape),
 * non-string metadata. NaN and infinities in the data are written as they are.
 * `__metadata__` is written only when metadata has at least one entry.
 */
export function encodeSafetensors(tensors: Record<string, SafeTensor>, metadata?: Record<string, string>): Uint8Array {
  const fail = (msg: string, code?: AekitErrorCode): never => {
    throw new SafetensorsError(`safetensors encode: ${msg}`, code);
  };
  if (!isPlainObject(tensors)) fail(`tensors must be an object mapping names to tensors, got ${show(tensors)}`);

  const metaEntries: Array<[string, string]> = [];
  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) fail(`metadata must be an object of string values, got ${show(metadata)}`);
    for (const key of Object.keys(metadata)) {
      const value: unknown = metadata[key];
      if (typeof value !== 'string') fail(`metadata "${key}": value must be a string, got ${show(value)}`);
      if (LONE_SURROGATE.test(key) || LONE_SURROGATE.test(value as string)) {
        fail(`metadata "${key}": contains a lone UTF-16 surrogate (not representable in UTF-8)`);
      }
      metaEntries.push([key, value as string]);
    }
    metaEntries.sort((a, b) => compareCodePoints(a[0], b[0]));
  }

  interface Entry {
    name: string;
    dtype: SafeDType;
    shape: number[];
    bytes: Uint8Array; // a view of the caller's data
  }
  const entries: Entry[] = [];
  for (const name of Object.keys(tensors)) {
    const where = `tensor ${show(name)}`;
    if (name.length === 0) fail('tensor names must be non-empty');
    if (name === METADATA_KEY) fail(`"${METADATA_KEY}" is reserved and cannot be a tensor name`);
    if (LONE_SURROGATE.test(name)) fail(`${where}: name contains a lone UTF-16 surrogate (not representable in UTF-8)`);
    const t: unknown = tensors[name];
    if (!isPlainObject(t)) fail(`${where}: expected { dtype, shape, data }, got ${show(t)}`);
    const { dtype, shape, data } = t as unknown as SafeTensor;
    if (dtype !== 'F32' && dtype !== 'F64') {
      fail(`${where}: dtype ${show(dtype)} is not supported (supported: F32, F64)`, 'E_DTYPE');
    }
    const expectedArray = dtype === 'F32' ? Float32Array : Float64Array;
    if (!(data instanceof expectedArray)) {
      const got = (data as unknown as object | null)?.constructor?.name ?? show(data);
      fail(`${where}: dtype ${dtype} needs a ${expectedArray.name}, got ${got}`);
    }
    if (!isValidShape(shape)) fail(`${where}: shape must be an array of non-negative integers, got ${show(shape)}`);
    const count = elementCount(shape);
    if (count === null) fail(`${where}: shape ${show(shape)} has too many elements`);
    if (count !== data.length) {
      fail(`${where}: shape ${show(shape)} holds ${count} elements but data has ${data.length}`);
    }
    entries.push({ name, dtype, shape: shape.slice(), bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  }

  // Reference order: descending dtype alignment, then name.
  entries.sort((a, b) => SUPPORTED[b.dtype].rank - SUPPORTED[a.dtype].rank || compareCodePoints(a.name, b.name));

  // The header is assembled by hand (not JSON.stringify of an object) so that key order is exactly the layout order:
  // JS objects would move integer-like names such as "0" to the front.
  const parts: string[] = [];
  if (metaEntries.length > 0) {
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${metaEntries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  }
  let offset = 0;
  for (const e of entries) {
    const end = offset + e.bytes.length;
    parts.push(`${JSON.stringify(e.name)}:{"dtype":"${e.dtype}","shape":[${e.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8; // data then starts at 8 + headerLen, a multiple of 8
  if (headerLen > MAX_HEADER_SIZE) fail(`header would be ${headerLen} bytes, over the ${MAX_HEADER_SIZE}-byte limit`);
  if (!Number.isSafeInteger(8 + headerLen + offset)) fail('total size too large');

  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const e of entries) {
    const dst = out.subarray(pos, pos + e.bytes.length);
    dst.set(e.bytes);
    if (!LITTLE_ENDIAN_HOST) swapBytes(dst, SUPPORTED[e.dtype].size);
    pos += e.bytes.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// decode

/**
 * Parses safetensors bytes. `source` (a file name) is used in error messages. Throws SafetensorsError on any
 * malformed input. The returned arrays are copies; tensors are listed in file (offset) order.
 */
export function decodeSafetensors(bytes: Uint8Array, source = '<bytes>'): SafetensorsContents {
  const fail = (msg: string, code?: AekitErrorCode): never => {
    throw new SafetensorsError(`safetensors ${source}: ${msg}`, code);
  };
  if (!(bytes instanceof Uint8Array)) fail('expected a Uint8Array');
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length field`, 'E_TRUNCATED');

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_SIZE)) fail(`header length ${n64} is too large (limit ${MAX_HEADER_SIZE} bytes)`, 'E_TOO_LARGE');
  const n = Number(n64);
  if (8 + n > bytes.length) {
    fail(`header length ${n} exceeds the file size (${bytes.length} bytes, room for ${bytes.length - 8}): truncated or not a safetensors file`, 'E_TRUNCATED');
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail('header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(`header must be a JSON object starting with "{", got ${show(text.slice(0, 20))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) fail('header must be a JSON object');
  const dup = findDuplicateKey(text);
  if (dup !== null) fail(`header has duplicate key ${show(dup)}`);
  const h = header as Record<string, unknown>;

  const metadata: Record<string, string> = {};
  const rawMeta = h[METADATA_KEY];
  if (rawMeta !== undefined && rawMeta !== null) {
    if (!isPlainObject(rawMeta)) fail(`"${METADATA_KEY}" must be an object of strings, got ${show(rawMeta)}`);
    const m = rawMeta as Record<string, unknown>;
    for (const key of Object.keys(m)) {
      const value = m[key];
      if (typeof value !== 'string') fail(`"${METADATA_KEY}" entry ${show(key)}: value must be a string, got ${show(value)}`);
      setOwn(metadata, key, value as string);
    }
  }

  interface Info {
    name: string;
    dtype: SafeDType;
    shape: number[];
    begin: number;
    end: number;
    count: number;
  }
  const infos: Info[] = [];
  for (const name of Object.keys(h)) {
    if (name === METADATA_KEY) continue;
    const where = `tensor ${show(name)}`;
    const info = h[name];
    if (!isPlainObject(info)) fail(`${where}: expected { dtype, shape, data_offsets }, got ${show(info)}`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;

    if (typeof dtype !== 'string') fail(`${where}: dtype must be a string, got ${show(dtype)}`);
    if (dtype !== 'F32' && dtype !== 'F64') {
      if (KNOWN_DTYPES.has(dtype as string)) fail(`${where}: dtype ${show(dtype)} is not supported (supported: F32, F64)`, 'E_DTYPE');
      fail(`${where}: unknown dtype ${show(dtype)}`, 'E_DTYPE');
    }
    const dt = dtype as SafeDType;

    if (!isValidShape(shape)) fail(`${where}: shape must be an array of non-negative integers, got ${show(shape)}`);
    const sh = shape as number[];

    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
    ) {
      fail(`${where}: data_offsets must be [begin, end] with non-negative integers, got ${show(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] has begin > end`);

    const count = elementCount(sh);
    const size = SUPPORTED[dt].size;
    if (count === null || !Number.isSafeInteger(count * size)) fail(`${where}: shape ${show(sh)} has too many elements`, 'E_TOO_LARGE');
    if (end - begin !== count! * size) {
      fail(`${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but ${dt} shape ${show(sh)} needs ${count! * size}`);
    }
    infos.push({ name, dtype: dt, shape: sh, begin, end, count: count! });
  }

  // Layout (reference Metadata::validate): sorted by (begin, end), each tensor starts where the previous one ends,
  // and the last one ends exactly at the end of the file.
  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataStart = 8 + n;
  const bufferLen = bytes.length - dataStart;
  let cursor = 0;
  let prev: Info | null = null;
  for (const info of infos) {
    const after = prev === null ? 'the start of the byte buffer' : `tensor ${show(prev.name)} ending at ${cursor}`;
    if (info.begin < cursor) fail(`tensor ${show(info.name)}: data_offsets [${info.begin}, ${info.end}] overlap ${after}`);
    if (info.begin > cursor) {
      fail(`tensor ${show(info.name)}: data_offsets [${info.begin}, ${info.end}] leave a gap after ${after} (expected begin ${cursor})`);
    }
    cursor = info.end;
    prev = info;
  }
  if (cursor > bufferLen) {
    fail(`file is truncated: tensor ${show(prev!.name)} ends at data offset ${cursor} but the byte buffer has only ${bufferLen} bytes`, 'E_TRUNCATED');
  }
  if (cursor < bufferLen) {
    fail(`byte buffer is ${bufferLen} bytes but the tensors cover only ${cursor}: ${bufferLen - cursor} trailing bytes not described by the header`);
  }

  const tensors: Record<string, SafeTensor> = {};
  for (const info of infos) {
    const data = info.dtype === 'F32' ? new Float32Array(info.count) : new Float64Array(info.count);
    const dst = new Uint8Array(data.buffer);
    dst.set(bytes.subarray(dataStart + info.begin, dataStart + info.end));
    if (!LITTLE_ENDIAN_HOST) swapBytes(dst, SUPPORTED[info.dtype].size);
    setOwn(tensors, info.name, { dtype: info.dtype, shape: info.shape.slice(), data });
  }
  return { tensors, metadata };
}
