/**
 * .npy / .npz files on disk (Node only; the format itself is in npy.ts, which stays browser-safe).
 *
 * openNpyFile reads the header and then only the rows asked for, with positioned reads: this is how aekit streams
 * a data set larger than memory, so nothing here may read a whole .npy file unless asked to.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import {
  NpyError,
  checkNpyLayout,
  decodeNpyData,
  npyDataOffset,
  parseNpyHeader,
  type NpyArray,
  type NpyData,
  type NpyDType,
  type NpyHeader,
} from './npy.js';
import { parseNpz } from './npz.js';

export interface NpyFile {
  readonly path: string;
  readonly dtype: NpyDType;
  readonly shape: number[];
  /** shape[0]. */
  readonly rows: number;
  /** Elements per row: the product of shape[1..]. */
  readonly rowSize: number;
  /** Rows [start, end) as a fresh typed array, converted as parseNpy converts (int64 -> float64, ...). */
  readRows(start: number, end: number): NpyData;
  close(): void;
}

// readSync takes at most 2^31 - 1 bytes a call; larger row ranges are read in chunks.
const MAX_READ = 1 << 30;

function readAt(fd: number, into: Uint8Array, position: number, path: string): void {
  for (let done = 0; done < into.length; ) {
    const n = readSync(fd, into, done, Math.min(into.length - done, MAX_READ), position + done);
    if (n === 0) throw new NpyError(`${path}: the file ended at byte ${position + done} (was it truncated while open?)`);
    done += n;
  }
}

interface Opened {
  fd: number;
  header: NpyHeader;
  count: number;
}

function openHeader(path: string): Opened {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new NpyError(`cannot read .npy file ${path}: ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const prefix = new Uint8Array(Math.min(size, 12));
    readAt(fd, prefix, 0, path);
    const headerBytes = new Uint8Array(Math.min(size, npyDataOffset(prefix, path)));
    readAt(fd, headerBytes, 0, path);
    const header = parseNpyHeader(headerBytes, path);
    const count = checkNpyLayout(header, size - header.dataOffset, path);
    return { fd, header, count };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

export function openNpyFile(path: string): NpyFile {
  const { fd, header } = openHeader(path);
  const { dtype, shape, itemSize, dataOffset } = header;
  if (shape.length === 0) {
    closeSync(fd);
    throw new NpyError(`${path}: a 0-d array (a single value) has no rows; read it with readNpyFile`);
  }
  const rows = shape[0];
  const rowSize = shape.slice(1).reduce((a, b) => a * b, 1);
  let open = true;
  return {
    path,
    dtype,
    shape,
    rows,
    rowSize,
    readRows(start: number, end: number): NpyData {
      if (!open) throw new NpyError(`${path}: readRows after close()`);
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > rows) {
        const why = `need integers with 0 <= start <= end <= ${rows}`;
        throw new RangeError(`${path}: readRows(${start}, ${end}) is outside rows 0..${rows} (${why})`);
      }
      const raw = new Uint8Array((end - start) * rowSize * itemSize);
      readAt(fd, raw, dataOffset + start * rowSize * itemSize, path);
      return decodeNpyData(header, raw, path, start * rowSize, true);
    },
    close(): void {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** Reads a whole .npy file (positioned reads of the data only, so no second copy of the file is held). */
export function readNpyFile(path: string): NpyArray {
  const { fd, header, count } = openHeader(path);
  try {
    const raw = new Uint8Array(count * header.itemSize);
    readAt(fd, raw, header.dataOffset, path);
    return { dtype: header.dtype, shape: header.shape, data: decodeNpyData(header, raw, path, 0, true) };
  } finally {
    closeSync(fd);
  }
}

/** Reads the arrays of an .npz file (all of them, or only those named, failing on any that is missing). */
export function readNpzFile(path: string, only?: readonly string[]): Record<string, NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new NpyError(`cannot read .npz file ${path}: ${(e as Error).message}`);
  }
  return parseNpz(bytes, path, only);
}
