/**
 * Streams over files on disk (Node only): an .npy read with positioned asynchronous reads, and tables (CSV,
 * Parquet) read in pieces. See stream.ts for how training uses them.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { openCsvFile } from './csv-file.js';
import type { DataInfo } from './info.js';
import { decodeNpyData, npyDataOffset, parseNpyHeader } from './npy.js';
import { openParquetFile } from './parquet-file.js';
import { inferKind } from './samples.js';
import type { ColumnOptions } from './select.js';
import { type SampleStream, tableStream } from './stream.js';

function baseInfo(kind: DataInfo['kind'], sampleShape: number[], source: string): DataInfo {
  return { kind, sampleShape, source, featureNames: null, classNames: null, valueRange: null, columns: null, window: null };
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** An .npy file as a stream: positioned asynchronous reads (so the next window is read while a batch trains). */
export async function openNpyStream(path: string, opts: { kind?: DataInfo['kind'] } = {}): Promise<SampleStream> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new Error(`cannot read .npy file ${path}: ${(e as Error).message}`);
  }
  try {
    const readAt = async (n: number, position: number, into?: Uint8Array): Promise<Uint8Array> => {
      const buf = into ?? new Uint8Array(n);
      for (let done = 0; done < n; ) {
        const { bytesRead } = await handle.read(buf, done, Math.min(n - done, 1 << 30), position + done);
        if (bytesRead === 0) throw new Error(`${path}: the file ended at byte ${position + done} (was it truncated while open?)`);
        done += bytesRead;
      }
      return buf;
    };
    const { size } = await handle.stat();
    const prefix = await readAt(Math.min(size, 12), 0);
    const header = parseNpyHeader(await readAt(Math.min(size, npyDataOffset(prefix, path)), 0), path);
    if (header.fortranOrder) throw new Error(`${path} is in Fortran order; save it with np.ascontiguousarray(a) first`);
    if (header.shape.length < 2) throw new Error(`${path}: an array of samples needs at least 2 dimensions [samples, ...], got shape [${header.shape.join(', ')}]`);
    const n = header.shape[0];
    const rowSize = header.shape.slice(1).reduce((a, b) => a * b, 1);
    const need = header.dataOffset + n * rowSize * header.itemSize;
    if (size < need) throw new Error(`${path}: the file holds ${size - header.dataOffset} bytes of data, but shape [${header.shape.join(', ')}] needs ${need - header.dataOffset}`);
    const isBytes = header.dtype === 'uint8';
    let shape = header.shape.slice(1);
    const kind = opts.kind ?? inferKind(shape, isBytes);
    if (kind === 'tabular') shape = [rowSize];
    else if (kind === 'image' && shape.length === 2) shape = [...shape, 1];
    else if (kind === 'sequence' && shape.length === 1) shape = [shape[0], 1];
    const info = baseInfo(kind, shape, path);
    if (kind === 'tabular') info.featureNames = Array.from({ length: rowSize }, (_, j) => `x${j}`);
    if (isBytes) info.valueRange = [0, 255];
    return {
      length: n, sampleShape: shape, info, seekable: true,
      async read(start, end, into) {
        if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= n)) {
          throw new Error(`${path}: samples [${start}, ${end}) are out of range (the file has ${n})`);
        }
        const bytes = (end - start) * rowSize * header.itemSize;
        const position = header.dataOffset + start * rowSize * header.itemSize;
        // Little-endian float32 on a little-endian machine: the file's bytes are the values, read straight in.
        if (into && header.dtype === 'float32' && header.littleEndian && LITTLE_ENDIAN && into.length >= bytes / 4) {
          const view = into.subarray(0, bytes / 4);
          await readAt(bytes, position, new Uint8Array(view.buffer, view.byteOffset, bytes));
          return view;
        }
        const data = decodeNpyData(header, await readAt(bytes, position), path, start * rowSize, true);
        return data instanceof Float32Array ? data : Float32Array.from(data);
      },
      close: () => handle.close(),
    };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

export async function openCsvStream(path: string, opts: ColumnOptions & { header?: boolean | 'auto'; delimiter?: string }): Promise<SampleStream> {
  return tableStream(await openCsvFile(path, opts), opts, false);
}

export async function openParquetStream(path: string, opts: ColumnOptions): Promise<SampleStream> {
  return tableStream(await openParquetFile(path), opts, true);
}
