/**
 * IDX file reader (the format the MNIST files use).
 *
 * Layout: a 4-byte big-endian magic `0x00 0x00 <type> <ndim>`, then `ndim` big-endian uint32 dimensions, then
 * the data, row-major. Only the uint8 type (0x08) is supported, which is what MNIST uses (labels: magic
 * 0x00000801, images: 0x00000803). Files compressed with gzip (name ending in `.gz`, or starting with the gzip
 * magic bytes) are decompressed first.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { AekitError, type AekitErrorCode } from '../errors.js';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const hex = (b: number, width = 2): string => '0x' + b.toString(16).toUpperCase().padStart(width, '0');

/**
 * Parses an in-memory IDX file. `name` is used in error messages (a path, usually). The returned `data` is a
 * view into `bytes` (no copy).
 */
export function parseIdx(bytes: Uint8Array, name = '<IDX buffer>'): IdxArray {
  const fail = (msg: string, code?: AekitErrorCode): never => {
    throw new AekitError(`IDX file ${name}: ${msg}`, code);
  };
  if (bytes.length < 4) fail(`truncated: only ${bytes.length} bytes, too short for the 4-byte magic number`, 'E_TRUNCATED');
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
    fail(`bad magic number 0x${magic.toUpperCase()}: the first two bytes must be 0x00 0x00 (not an IDX file?)`);
  }
  const type = bytes[2];
  if (type !== 0x08) {
    const known = TYPE_NAMES[type];
    fail(
      `unsupported data type ${hex(type)}` +
        (known ? ` (${known})` : ' (not a valid IDX type)') +
        '; only 0x08 (uint8) is supported',
      'E_DTYPE',
    );
  }
  const ndim = bytes[3];
  if (ndim < 1 || ndim > 4) fail(`unsupported number of dimensions ${ndim} (expected 1 to 4)`);
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    fail(`truncated header: ${ndim} dimensions need ${headerBytes} header bytes, file has ${bytes.length}`, 'E_TRUNCATED');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const expected = headerBytes + count;
  if (!Number.isSafeInteger(expected)) fail(`dimensions [${dims.join(', ')}] are too large`, 'E_TOO_LARGE');
  if (bytes.length < expected) {
    fail(
      `truncated: expected ${expected} bytes (header ${headerBytes} + data for dims [${dims.join(', ')}]), ` +
        `file has ${bytes.length}`,
      'E_TRUNCATED',
    );
  }
  if (bytes.length > expected) {
    fail(
      `has ${bytes.length - expected} extra bytes: expected ${expected} bytes for dims [${dims.join(', ')}], ` +
        `file has ${bytes.length}`,
    );
  }
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, count) };
}

/**
 * Parses IDX bytes that may be gzip-compressed (the gzip magic, or `gzip` true). The output is bounded before
 * inflating: by the size the gzip trailer records (ISIZE), which may be no more than deflate's 1032:1 expansion
 * of the input, so a small corrupt file cannot ask for gigabytes.
 */
export function decodeIdx(bytes: Uint8Array, name = '<IDX buffer>', gzip = false): IdxArray {
  const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (!gzipped && !gzip) return parseIdx(bytes, name);
  const fail = (msg: string, code: AekitErrorCode): never => {
    throw new AekitError(`IDX file ${name}: cannot decompress gzip data: ${msg}`, code);
  };
  if (bytes.length < 18) fail(`${bytes.length} bytes, shorter than a gzip header and trailer`, 'E_TRUNCATED');
  const isize = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 4, true);
  if (isize > bytes.length * 1032) fail(`its trailer says ${isize} bytes, more than ${bytes.length} compressed bytes can hold`, 'E_TOO_LARGE');
  let out: Uint8Array;
  try {
    out = gunzipSync(bytes, { maxOutputLength: Math.max(isize, 1) });
  } catch (e) {
    return fail((e as Error).message, 'E_FORMAT');
  }
  return parseIdx(out, name);
}

/** Reads and parses an IDX file, gunzipping it first if it is gzip-compressed. */
export function readIdxFile(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new AekitError(`cannot read IDX file ${path}: ${(e as Error).message}`, 'E_IO');
  }
  return decodeIdx(bytes, path, path.endsWith('.gz'));
}
