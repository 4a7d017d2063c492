/**
 * Input corruptions for denoising autoencoders (Vincent et al. 2008/2010; the seed 004 Keras example).
 *
 * Each factory returns a `Corruption`, `(batch, rng) => noisyBatch`, the shape of fit's `corrupt` hook:
 *
 *   await ae.fit(x, { corrupt: gaussianNoise(0.5), seed: 1 })   // target stays the clean batch
 *
 * All randomness comes from the Rng passed in (fit hands over its own seeded noise stream), so a run is
 * reproducible and never touches Math.random. A corruption returns a new tensor of the batch's shape, dtype and
 * backend, outside any autograd graph: the noisy input is data, nothing flows back into it.
 *
 *   - gaussianNoise(factor):     x + factor * N(0, 1), then clipped to [0, 1] (as the Keras example does);
 *   - maskingNoise(fraction):    in every sample, exactly round(fraction * d) values chosen at random set to 0;
 *   - saltAndPepperNoise(frac):  in every sample, exactly round(frac * d) values chosen at random set to 0 or 1
 *                                by a fair coin.
 * Masking and salt-and-pepper corrupt a fixed number of components per sample, as Vincent et al. (2010, 2.3)
 * define them, rather than a Bernoulli draw per element: every sample is corrupted equally hard.
 */
import { Rng } from '../tensor/rng.js';
import { Tensor, zeros } from '../tensor/tensor.js';

export type Corruption = (batch: Tensor, rng: Rng) => Tensor;

/** A corruption as plain JSON (stored in a DenoisingAutoencoder's model file). */
export type NoiseSpec =
  | { type: 'gaussian'; factor: number; clip?: boolean }
  | { type: 'masking'; fraction: number }
  | { type: 'saltAndPepper'; fraction: number };

export const NOISE_TYPES: readonly NoiseSpec['type'][] = ['gaussian', 'masking', 'saltAndPepper'];

function checkFraction(what: string, f: number): void {
  if (typeof f !== 'number' || !(f >= 0 && f <= 1)) throw new Error(`${what}: fraction must be a number in [0, 1], got ${String(f)}`);
}

/** A fresh tensor like `batch` (same shape, dtype, backend) holding `values`. */
function like(batch: Tensor, values: Float32Array | Float64Array): Tensor {
  const out = zeros(batch.shape, { dtype: batch.dtype, backend: batch.backend });
  out.data.set(values);
  return out;
}

/**
 * Additive Gaussian noise: x + factor * N(0, 1). With `clip` (default true) the result is clipped to [0, 1],
 * the valid range of pixel intensities, which is what the seed's Keras example does (`np.clip(x, 0., 1.)`).
 */
export function gaussianNoise(factor: number, opts: { clip?: boolean } = {}): Corruption {
  if (typeof factor !== 'number' || !(factor >= 0) || !Number.isFinite(factor)) {
    throw new Error(`gaussianNoise: factor must be a finite number >= 0, got ${String(factor)}`);
  }
  const clip = opts.clip ?? true;
  return (batch, rng) => {
    const v = batch.toTypedArray();
    for (let i = 0; i < v.length; i++) {
      const y = v[i] + factor * rng.normal();
      v[i] = clip ? (y < 0 ? 0 : y > 1 ? 1 : y) : y;
    }
    return like(batch, v);
  };
}

/**
 * Calls `visit(flatIndex)` for exactly `k` distinct positions of each of the `n` samples of size `d`, chosen
 * uniformly at random. A partial Fisher-Yates shuffle over one reused index array: after a pass it is still a
 * permutation, so the next sample's first k swaps again pick a uniform k-subset, without re-initialising.
 */
function forRandomSubsets(n: number, d: number, k: number, rng: Rng, visit: (i: number) => void): void {
  const perm = new Uint32Array(d);
  for (let i = 0; i < d; i++) perm[i] = i;
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < k; j++) {
      const r = j + rng.int(d - j);
      const t = perm[j];
      perm[j] = perm[r];
      perm[r] = t;
      visit(s * d + perm[j]);
    }
  }
}

/** Samples and features per sample: axis 0 is the batch, everything else is one sample. */
function rows(batch: Tensor, what: string): [number, number] {
  if (batch.ndim < 1) throw new Error(`${what}: the batch must have a batch axis, got a scalar`);
  const n = batch.shape[0];
  return [n, n ? batch.size / n : 0];
}

/** Masking noise: in every sample, round(fraction * d) components chosen at random are forced to 0. */
export function maskingNoise(fraction: number): Corruption {
  checkFraction('maskingNoise', fraction);
  return (batch, rng) => {
    const [n, d] = rows(batch, 'maskingNoise');
    const v = batch.toTypedArray();
    forRandomSubsets(n, d, Math.round(fraction * d), rng, (i) => { v[i] = 0; });
    return like(batch, v);
  };
}

/**
 * Salt-and-pepper noise: in every sample, round(fraction * d) components chosen at random are set to 0 or 1
 * (the minimum and maximum intensity) by a fair coin flip each.
 */
export function saltAndPepperNoise(fraction: number): Corruption {
  checkFraction('saltAndPepperNoise', fraction);
  return (batch, rng) => {
    const [n, d] = rows(batch, 'saltAndPepperNoise');
    const v = batch.toTypedArray();
    forRandomSubsets(n, d, Math.round(fraction * d), rng, (i) => { v[i] = rng.next() < 0.5 ? 0 : 1; });
    return like(batch, v);
  };
}

/** Validates a NoiseSpec (e.g. read from a file) and returns a normalised copy. */
export function checkNoiseSpec(spec: NoiseSpec): NoiseSpec {
  if (typeof spec !== 'object' || spec === null) throw new Error('noise must be an object like { type: "gaussian", factor: 0.5 }');
  switch (spec.type) {
    case 'gaussian':
      gaussianNoise(spec.factor); // validates
      return { type: 'gaussian', factor: spec.factor, clip: spec.clip ?? true };
    case 'masking':
    case 'saltAndPepper':
      checkFraction(`${spec.type} noise`, spec.fraction);
      return { type: spec.type, fraction: spec.fraction };
    default:
      throw new Error(`unknown noise type '${String((spec as { type?: unknown }).type)}' (expected one of: ${NOISE_TYPES.join(', ')})`);
  }
}

/** The corruption a NoiseSpec describes. */
export function makeCorruption(spec: NoiseSpec): Corruption {
  const s = checkNoiseSpec(spec);
  switch (s.type) {
    case 'gaussian': return gaussianNoise(s.factor, { clip: s.clip });
    case 'masking': return maskingNoise(s.fraction);
    case 'saltAndPepper': return saltAndPepperNoise(s.fraction);
  }
}

/**
 * Corrupts a whole tensor once, with its own seeded stream: the fixed noisy test set of a denoising
 * experiment (`addNoise(testImages, gaussianNoise(0.5), 42)`). A Corruption or a NoiseSpec may be given.
 */
export function addNoise(x: Tensor, noise: Corruption | NoiseSpec, seed = 0): Tensor {
  if (!(x instanceof Tensor)) throw new Error('addNoise: x must be a Tensor [samples, ...features]');
  const f = typeof noise === 'function' ? noise : makeCorruption(noise);
  return f(x, new Rng(seed));
}
