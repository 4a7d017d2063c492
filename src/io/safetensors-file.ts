/** safetensors files on disk (Node only; the format itself is in safetensors.ts, which runs in browsers too). */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor, type SafetensorsContents, SafetensorsError } from './safetensors.js';


/** Encodes, then writes atomically (temp file + fsync + rename): on any error the previous file is left intact. */
export function writeSafetensors(path: string, tensors: Record<string, SafeTensor>, metadata?: Record<string, string>): void {
  const bytes = encodeSafetensors(tensors, metadata);
  writeFileAtomic(path, bytes);
}

/** Reads and decodes a safetensors file; error messages name `path`. */
export function readSafetensors(path: string): SafetensorsContents {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SafetensorsError(`${path}: file not found`, 'E_IO');
    if (code === 'EISDIR') throw new SafetensorsError(`${path}: is a directory, not a model file`, 'E_IO');
    throw new SafetensorsError(`${path}: cannot read (${(e as Error).message})`, 'E_IO');
  }
  return decodeSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}
