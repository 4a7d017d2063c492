/**
 * Synthetic sequences for sequence autoencoders: noisy sine waves of random phase and frequency,
 *
 *   x[s, t] = amplitude * sin(2 pi * freq_s * t + phase_s) + noise * N(0, 1),   t = 0 .. timesteps - 1,
 *
 * with phase_s ~ U(0, 2 pi) and freq_s ~ U(minFreq, maxFreq) cycles per step, drawn per sequence from a
 * seeded Rng: the same options give the same data everywhere. Each sequence is a point of a two-parameter
 * family (plus noise), so a good autoencoder can squeeze it through a small code.
 */
import type { DType } from '../kernels/types.js';
import { Rng } from '../tensor/rng.js';
import { type Tensor, zeros } from '../tensor/tensor.js';

export interface NoisySinesOptions {
  /** Number of sequences. */
  n: number;
  timesteps: number;
  seed?: number;
  /** Standard deviation of the additive Gaussian noise (default 0.1). */
  noise?: number;
  /** Frequency range in cycles per step (default 0.02 to 0.1: periods of 10 to 50 steps). */
  minFreq?: number;
  maxFreq?: number;
  /** Default 1. */
  amplitude?: number;
  dtype?: DType;
}

/** Sequences as a tensor [n, timesteps, 1] (one feature per step). */
export function noisySines(opts: NoisySinesOptions): Tensor {
  const { n, timesteps } = opts;
  const noise = opts.noise ?? 0.1, minFreq = opts.minFreq ?? 0.02, maxFreq = opts.maxFreq ?? 0.1, amplitude = opts.amplitude ?? 1;
  if (!Number.isInteger(n) || n < 0) throw new Error(`noisySines: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(timesteps) || timesteps <= 0) throw new Error(`noisySines: timesteps must be a positive integer, got ${timesteps}`);
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new Error(`noisySines: noise must be a finite number >= 0, got ${noise}`);
  if (!(minFreq >= 0 && maxFreq >= minFreq) || !Number.isFinite(maxFreq)) {
    throw new Error(`noisySines: need 0 <= minFreq <= maxFreq, got ${minFreq} and ${maxFreq}`);
  }
  if (!Number.isFinite(amplitude)) throw new Error(`noisySines: amplitude must be finite, got ${amplitude}`);
  const rng = new Rng(opts.seed ?? 0);
  // Separate streams: the noise level does not change which waves are drawn, so data at noise 0 and 0.1 with the
  // same seed are the same waves (handy to measure denoising).
  const waveRng = rng.split(), noiseRng = rng.split();
  const x = zeros([n, timesteps, 1], { dtype: opts.dtype ?? 'float32' });
  for (let s = 0; s < n; s++) {
    const phase = waveRng.uniform(0, 2 * Math.PI), freq = waveRng.uniform(minFreq, maxFreq);
    for (let t = 0; t < timesteps; t++) {
      const clean = amplitude * Math.sin(2 * Math.PI * freq * t + phase);
      x.data[s * timesteps + t] = noise > 0 ? clean + noise * noiseRng.normal() : clean;
    }
  }
  return x;
}
