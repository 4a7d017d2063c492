/**
 * Checkpoints in a directory (Node): `checkpoint-last.safetensors` (the run's latest state) and
 * `checkpoint-best.safetensors` (its epoch of lowest validation loss), each replaced atomically (temp file,
 * fsync, rename), so a kill at any moment leaves the previous complete checkpoint or the new one.
 *
 *   await model.fit(x, { epochs: 20, checkpoint: { store: checkpointDir('ckpt') } });   // killed at epoch 7
 *   await model.fit(x, { epochs: 20, checkpoint: { store: checkpointDir('ckpt') }, resume: checkpointDir('ckpt') });
 *
 * A new process builds the model from the checkpoint itself: `modelFromCheckpoint(readCheckpoint('ckpt'))`.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Checkpoint, CheckpointName, CheckpointStore } from '../train/checkpoint.js';
import { AekitError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';

export const CHECKPOINT_FILES: Record<CheckpointName, string> = { last: 'checkpoint-last.safetensors', best: 'checkpoint-best.safetensors' };

/** The store of a directory (created on the first save). */
export function checkpointDir(dir: string): CheckpointStore & { path(name: CheckpointName): string } {
  const path = (name: CheckpointName): string => join(dir, CHECKPOINT_FILES[name]);
  return {
    where: dir,
    path,
    save(name: CheckpointName, ck: Checkpoint): void {
      mkdirSync(dir, { recursive: true });
      writeFileAtomic(path(name), encodeCheckpoint(ck));
    },
    load(name: CheckpointName): Checkpoint | null {
      const p = path(name);
      if (!existsSync(p)) return null;
      return decodeCheckpoint(readBytes(p), p);
    },
  };
}

/** A checkpoint file, or a checkpoint directory's `last` (or `best`) checkpoint. */
export function readCheckpoint(path: string, which: CheckpointName = 'last'): Checkpoint {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, CHECKPOINT_FILES[which]) : path;
  if (!existsSync(file)) throw new AekitError(`${file}: no such checkpoint`, 'E_IO');
  return decodeCheckpoint(readBytes(file), file);
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new AekitError(`${path}: cannot read the checkpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'E_IO', { cause: e });
  }
}
