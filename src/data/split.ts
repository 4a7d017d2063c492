/**
 * The seeded random split of samples that have no test split of their own: `openData`'s validationSplit,
 * `aekit train`'s default 20% and the playground's dropped files all hold out the same samples for the same
 * count, fraction and seed, so a model file's data request (spec, fraction, seed) reopens its test split
 * anywhere. Browser-safe (the page imports it through data/index.ts).
 */
import { Rng } from '../tensor/rng.js';

/**
 * A fraction that holds out no samples or all of them. Its own class so that a caller who can name the data
 * and knows what the held-out part is for (the playground) can say so in its own words.
 */
export class EmptySplitError extends Error {
  constructor(readonly n: number, readonly fraction: number, readonly held: number) {
    // The name stays 'Error', as a plain Error prints: the CLI shows this one as it always has.
    super(`a validation split of ${fraction} of ${n} samples leaves ${held === 0 ? 'no validation' : 'no training'} samples`);
  }
}

/**
 * Indices [0, n) split at random into a held-out fraction (round(n * fraction) of them, the first of a seeded
 * permutation) and the rest, each in increasing order so both parts keep the file's order.
 */
export function randomSplit(n: number, fraction: number, seed: number): { keep: Uint32Array; held: Uint32Array } {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`validation split must be strictly between 0 and 1, got ${fraction}`);
  const held = Math.round(n * fraction);
  if (held === 0 || held === n) throw new EmptySplitError(n, fraction, held);
  const perm = new Rng(seed).permutation(n);
  const sort = (a: Uint32Array): Uint32Array => a.slice().sort();
  return { held: sort(perm.subarray(0, held)), keep: sort(perm.subarray(held)) };
}
