/**
 * Denoising autoencoder (Vincent et al. 2008; the seed 004 Keras example): trained to map a corrupted input
 * back to the clean one, so it must learn the structure of the data rather than the identity.
 *
 *   const dae = new DenoisingAutoencoder({ inputDim: 784, hidden: [128], latentDim: 32, noise: { type: 'gaussian', factor: 0.5 } });
 *   await dae.fit(x, { epochs: 10, loss: 'bce', seed: 1 });   // each batch corrupted afresh, target = clean batch
 *   const { noisyPsnr, denoisedPsnr } = dae.evaluateDenoising(testImages, { seed: 42 });
 *
 * The corruption is part of the model's config (a NoiseSpec, so it is saved with the model): fit applies it
 * through its `corrupt` hook with fit's seeded noise stream, so training stays on fit's default step (fused
 * sigmoid + BCE, step arena). Passing `corrupt` to fit overrides it for that run.
 */
import { type Inputs, inputBatch, inputCount } from '../data/inputs.js';
import { addNoise, checkNoiseSpec, makeCorruption, type NoiseSpec } from '../data/noise.js';
import { psnr } from '../analysis/metrics.js';
import type { Tensor } from '../tensor/tensor.js';
import { fit, type FitData, type FitOptions, type History } from '../train/fit.js';
import { Autoencoder, type AutoencoderConfig } from './autoencoder.js';

export interface DenoisingAutoencoderConfig extends AutoencoderConfig {
  /** The training corruption (default { type: 'gaussian', factor: 0.5 }, clipped to [0, 1], as in the seed). */
  noise?: NoiseSpec;
}

export interface DenoisingReport {
  /** The corrupted inputs, the model's outputs for them, and the clean images, each [n, inputDim]. */
  noisy: Tensor;
  denoised: Tensor;
  clean: Tensor;
  /** Mean per-image PSNR in dB (data range 1) of noisy vs clean and of denoised vs clean. */
  noisyPsnr: number;
  denoisedPsnr: number;
}

export class DenoisingAutoencoder extends Autoencoder {
  readonly noise: NoiseSpec;

  constructor(config: DenoisingAutoencoderConfig) {
    super(config);
    this.noise = checkNoiseSpec(config.noise ?? { type: 'gaussian', factor: 0.5 });
  }

  override get trainingNoise(): NoiseSpec {
    return this.noise;
  }

  /** Trains on (corrupt(x), x) pairs: see the module comment. Every FitOptions field works as for Autoencoder. */
  override fit(data: FitData, opts: FitOptions = {}): Promise<History> {
    return fit(this, data, { ...opts, corrupt: opts.corrupt ?? makeCorruption(this.noise) });
  }

  /** The model's clean estimate of (noisy) inputs: reconstruct(x), named for what it is used for. */
  denoise(x: Inputs): Tensor {
    return this.reconstruct(x);
  }

  /** `x` corrupted once with the model's noise, from its own seeded stream (a fixed noisy test set). */
  corrupt(x: Inputs, seed = 0): Tensor {
    return addNoise(inputBatch(x, 0, inputCount(x), 'corrupt', this.config.dtype), this.noise, seed);
  }

  /** Corrupts clean images (seeded), denoises them, and reports PSNR before and after. */
  evaluateDenoising(clean: Inputs, opts: { seed?: number } = {}): DenoisingReport {
    const c = inputBatch(clean, 0, inputCount(clean), 'clean images', this.config.dtype);
    const noisy = addNoise(c, this.noise, opts.seed ?? 0);
    const denoised = this.denoise(noisy);
    return { noisy, denoised, clean: c, noisyPsnr: psnr(noisy, c), denoisedPsnr: psnr(denoised, c) };
  }

  // Autoencoder.modelConfig() types its kind as the literal 'Autoencoder'; see RegularizedAutoencoder in
  // sparse.ts for why this suppression exists and when it can go.
  override modelConfig(): { kind: 'DenoisingAutoencoder'; config: DenoisingAutoencoderConfig } {
    return { kind: 'DenoisingAutoencoder', config: { ...this.config, hidden: [...this.config.hidden], noise: { ...this.noise } } };
  }
}
