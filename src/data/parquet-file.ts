/**
 * Parquet files on disk (Node only; parquet.ts stays free of `node:*` imports so it bundles for browsers).
 * The file is read through a file handle, one byte range at a time, so only the footer and the column chunks of
 * the row groups asked for are ever in memory.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { parquetTableReader, type AsyncBuffer } from './parquet.js';
import type { ColumnTable, TableReader } from './table.js';

/** A reader over a Parquet file; close() closes the file. */
export async function openParquetFile(path: string): Promise<TableReader> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new Error(`${path}: cannot open Parquet file (${(e as Error).message})`);
  }
  try {
    const { size } = await handle.stat();
    const reader = await parquetTableReader(fileBuffer(handle, size, path), path);
    let closed = false;
    return {
      names: reader.names, rowCount: reader.rowCount, source: reader.source,
      read: (start, end) => reader.read(start, end),
      async close() {
        if (closed) return;
        closed = true;
        await reader.close();
        await handle.close();
      },
    };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** The whole of a Parquet file (still read range by range, never as one buffer holding the file). */
export async function readParquetFile(path: string): Promise<ColumnTable> {
  const reader = await openParquetFile(path);
  try {
    return await reader.read(0, reader.rowCount);
  } finally {
    await reader.close();
  }
}

function fileBuffer(handle: FileHandle, size: number, path: string): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end = size) {
      const out = new Uint8Array(Math.max(0, end - start));
      // read() may return fewer bytes than asked (the OS decides), so loop; 0 bytes means the file shrank.
      for (let done = 0; done < out.length;) {
        const { bytesRead } = await handle.read(out, done, out.length - done, start + done);
        if (bytesRead === 0) throw new Error(`${path} ended at byte ${start + done}, expected ${size} bytes (changed while being read?)`);
        done += bytesRead;
      }
      return out.buffer;
    },
  };
}
