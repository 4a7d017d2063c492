/**
 * PyTorch export and import on disk (Node only; the format is codec.ts, which runs in browsers too):
 *
 *   writePyTorchExport(model, { data, preprocessing, training }, 'out/')   // out/model.py, out/model.safetensors
 *   importPyTorchFile('trained.safetensors', 'model.safetensors')          // an aekit model file
 *
 * Every file is written atomically (io/atomic.ts), and only after the bytes are complete and checked, so a
 * failure never leaves a half-written file or replaces a good one.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AekitError } from '../../errors.js';
import type { Module } from '../../nn/module.js';
import { writeFileAtomic } from '../atomic.js';
import { fromPyTorch, type PyTorchExtras, toPyTorch } from './codec.js';

/** Writes DIR/model.py and DIR/model.safetensors (creating DIR); returns their paths. */
export function writePyTorchExport(model: Module, extras: PyTorchExtras, dir: string): { modelPy: string; safetensors: string } {
  const { modelPy, safetensors } = toPyTorch(model, extras);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    mkdirSync(dir, { recursive: true });
    isDir = true;
  }
  if (!isDir) throw new AekitError(`${dir} is a file: the PyTorch export writes a folder (model.py and model.safetensors)`, 'E_IO');
  const paths = { modelPy: join(dir, 'model.py'), safetensors: join(dir, 'model.safetensors') };
  writeFileAtomic(paths.safetensors, safetensors);
  writeFileAtomic(paths.modelPy, modelPy);
  return paths;
}

/** The bytes of `path`, or an E_IO error naming it. */
function readBytes(path: string): Uint8Array {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AekitError(`${path}: file not found`, 'E_IO');
    if (code === 'EISDIR') throw new AekitError(`${path}: is a directory, not a safetensors file`, 'E_IO');
    throw new AekitError(`${path}: cannot read (${(e as Error).message})`, 'E_IO');
  }
}

/** Reads a state dict saved from PyTorch and writes the aekit model file `out`; returns the model file's bytes. */
export function importPyTorchFile(path: string, out: string): Uint8Array {
  const bytes = fromPyTorch(readBytes(path), path);
  writeFileAtomic(out, bytes);
  return bytes;
}
