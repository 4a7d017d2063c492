/**
 * Writing arrays and tables out (codes, reconstructions, scores): NumPy .npy, CSV, Parquet. Every writer is
 * atomic (temp file beside the target, fsync, rename), so a crash or a full disk never leaves half a file
 * where a good one was.
 */
import { encodeNpy } from '../data/npy.js';
import { writeFileAtomic } from './atomic.js';

/** Writes an .npy file (format 1.0, little-endian, C order, as numpy writes it). */
export function writeNpyFile(
  path: string,
  data: Float32Array | Float64Array | Int32Array | Uint8Array,
  shape: readonly number[],
): void {
  writeFileAtomic(path, encodeNpy(data, shape));
}
