/**
 * The batches of one epoch, from data in memory (a Dataset: one seeded permutation, cut into batches) or
 * streamed from disk (StreamedData: windows in a seeded order, each shuffled and cut; see data/stream.ts). fit
 * consumes both the same way: each batch is a Dataset and the indices of its samples in it.
 */
import { batchIndices, type Dataset } from '../data/dataset.js';
import { StreamedData, windowsOf } from '../data/stream.js';
import type { Rng } from '../tensor/rng.js';

export interface Batch {
  data: Dataset;
  idx: Uint32Array;
}

/** The batches of an epoch, in the order the seeded `rng` draws (in order without one). */
export async function* epochBatches(data: Dataset | StreamedData, batchSize: number, rng: Rng | undefined): AsyncGenerator<Batch> {
  if (!(data instanceof StreamedData)) {
    for (const idx of batchIndices(data.length, batchSize, rng)) yield { data, idx };
    return;
  }
  // Windows hold whole batches (so batch boundaries fall where they would in memory), at least one.
  const size = Math.max(batchSize, Math.floor(data.buffer / batchSize) * batchSize);
  const windows = windowsOf(data.length, size);
  // One window: no window order to draw, so the rng gives the in-memory permutation (bit-identical training).
  const order = rng && windows.length > 1 && data.stream.seekable ? rng.permutation(windows.length) : windows.map((_, i) => i);
  const read = (k: number): Promise<Dataset> => data.window(windows[order[k]][0], windows[order[k]][1], k);
  let next = read(0);
  for (let k = 0; k < windows.length; k++) {
    const win = await next;
    // The next window is read while this one trains.
    if (k + 1 < windows.length) {
      next = read(k + 1);
      next.catch(() => undefined); // awaited next turn; if the epoch stops first, its failure must not go unhandled
    }
    for (const idx of batchIndices(win.length, batchSize, rng)) yield { data: win, idx };
  }
}

/** How many batches an epoch has. */
export function batchesPerEpoch(n: number, batchSize: number): number {
  return Math.ceil(n / batchSize);
}
