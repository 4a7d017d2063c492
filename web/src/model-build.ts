/**
 * The playground's model for a RunConfig and a data shape: one library class per preset, built the way the
 * CLI's `aekit train --model` builds it (cli/train-models.ts), so the file the page writes is one `aekit eval`
 * reads. Dense kinds take any sample shape as rows; the conv preset needs images.
 */
import {
  Autoencoder, type AutoencoderConfig, type AutoencoderModel, CONV_AE_PRESETS, ConvAutoencoder, DenoisingAutoencoder,
  type LossName, SparseAutoencoder, VAE,
} from '../../src/browser.js';
import type { RunConfig } from './config.js';

export function buildModel(cfg: RunConfig, sampleShape: readonly number[]): AutoencoderModel {
  const inputDim = sampleShape.reduce((a, b) => a * b, 1);
  const dense: AutoencoderConfig = {
    inputDim, hidden: cfg.hidden, latentDim: cfg.latent, activation: cfg.activation,
    latentActivation: cfg.latentActivation, outputActivation: cfg.outputActivation, seed: cfg.seed,
  };
  switch (cfg.preset) {
    case 'tutorial':
    case 'deep':
      return new Autoencoder(dense);
    case 'sparse':
      return new SparseAutoencoder({ ...dense, sparsity: { l1: cfg.l1 } });
    case 'denoising':
      return new DenoisingAutoencoder({ ...dense, noise: { type: 'gaussian', factor: cfg.noise, clip: true } });
    case 'vae':
      return new VAE({
        inputDim, hidden: cfg.hidden, latentDim: cfg.latent, activation: cfg.activation, beta: cfg.beta, seed: cfg.seed,
        reconstruction: cfg.loss === 'mse' ? 'mse' : 'bce', outputActivation: cfg.loss === 'mse' ? cfg.outputActivation === 'linear' ? 'linear' : 'sigmoid' : 'sigmoid',
      });
    case 'conv':
      return convModel(cfg, sampleShape);
  }
}

/** The Keras blog's stack; for images other than 28x28, the same filters with 'same' padding (as the CLI). */
function convModel(cfg: RunConfig, shape: readonly number[]): ConvAutoencoder {
  if (shape.length !== 3) throw new Error('the convolutional preset needs images; this data is a table (pick a dense preset)');
  const [h, w, c] = shape;
  const base = { ...CONV_AE_PRESETS['keras-blog'], inputShape: [h, w, c] as [number, number, number], activation: cfg.activation, outputActivation: cfg.outputActivation, seed: cfg.seed };
  if (h === 28 && w === 28) return new ConvAutoencoder(base);
  if (h % 8 || w % 8) throw new Error(`the convolutional preset pools 3 times by 2, so image sides must divide by 8; these are ${w}x${h}`);
  const flat = (l: readonly (number | { filters: number })[]): number[] => l.map((s) => (typeof s === 'number' ? s : s.filters));
  return new ConvAutoencoder({ ...base, encoder: flat(base.encoder), decoder: flat(base.decoder) });
}

/**
 * The presets are made for images in [0, 1] (sigmoid output, cross-entropy). Tables are standardized, so
 * their values are not probabilities: as `aekit train` does for tables, the output becomes linear and the
 * loss MSE. Returns the config to train with and what was changed, for the page to say.
 */
export function adaptToData(cfg: RunConfig, kind: 'images' | 'table'): { config: RunConfig; notes: string[] } {
  if (kind === 'images') return { config: cfg, notes: [] };
  const notes: string[] = [];
  const out = { ...cfg };
  if (out.outputActivation === 'sigmoid') { out.outputActivation = 'linear'; notes.push('output activation linear (the table is standardized, not in [0, 1])'); }
  if (out.loss === 'bce') { out.loss = 'mse'; notes.push('loss mse (cross-entropy needs values in [0, 1])'); }
  return { config: out, notes };
}

/** The loss fit is given (the VAE chooses its own from its config). */
export function fitLoss(cfg: RunConfig): LossName | undefined {
  return cfg.preset === 'vae' ? undefined : cfg.loss;
}
