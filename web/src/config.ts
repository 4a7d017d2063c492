/**
 * The playground's run configuration: a preset and the knobs behind it. The presets are the playground's own
 * (not the CLI's table in cli/presets.ts): they are sized to learn visibly within a minute on the built-in
 * subset in a browser tab, so their layer sizes and epochs are smaller than the CLI's full-data defaults.
 * Everything here is plain data, shared by the page (controls, URL) and the training worker (building the model).
 */
import type { ActivationName, LossName, OptimizerName } from '../../src/browser.js';

export const PRESET_NAMES = ['tutorial', 'deep', 'sparse', 'denoising', 'vae', 'conv'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const DATASETS = ['mnist', 'fashion-mnist', 'file'] as const;
export type DatasetName = (typeof DATASETS)[number];

export interface RunConfig {
  preset: PresetName;
  /** Dense kinds: hidden layer widths, outermost first (the conv preset ignores them). */
  hidden: number[];
  /** Code size (the conv preset's code is its last feature map and ignores it). */
  latent: number;
  activation: ActivationName;
  /** The code layer's activation (dense kinds; 'linear' for a code that may take any value). */
  latentActivation: ActivationName;
  outputActivation: ActivationName;
  loss: LossName;
  optimizer: OptimizerName;
  lr: number;
  batchSize: number;
  epochs: number;
  seed: number;
  /** sparse: weight of the L1 penalty on the code. */
  l1: number;
  /** denoising: the std of the Gaussian training noise (clipped to [0, 1]). */
  noise: number;
  /** vae: weight of the KL term. */
  beta: number;
}

export interface Preset {
  title: string;
  blurb: string;
  config: Omit<RunConfig, 'preset'>;
}

const base = { l1: 1e-4, noise: 0.5, beta: 1, seed: 1 };

export const PRESETS: Record<PresetName, Preset> = {
  tutorial: {
    title: 'Seed tutorial',
    blurb: 'The seed 002 tutorial: 784-256-128-256-784, sigmoid everywhere, MSE, RMSProp.',
    config: { ...base, hidden: [256], latent: 128, activation: 'sigmoid', latentActivation: 'sigmoid', outputActivation: 'sigmoid', loss: 'mse', optimizer: 'rmsprop', lr: 0.01, batchSize: 256, epochs: 5 },
  },
  deep: {
    title: 'Deep, 2-D code',
    blurb: 'A deep ReLU autoencoder squeezed to a 2-D linear code: its code is the latent plane itself.',
    config: { ...base, hidden: [256, 64], latent: 2, activation: 'relu', latentActivation: 'linear', outputActivation: 'sigmoid', loss: 'bce', optimizer: 'adam', lr: 2e-3, batchSize: 128, epochs: 10 },
  },
  sparse: {
    title: 'Sparse',
    blurb: 'An L1 penalty on a 32-unit ReLU code, as in the Keras blog.',
    config: { ...base, hidden: [], latent: 32, activation: 'relu', latentActivation: 'relu', outputActivation: 'sigmoid', loss: 'bce', optimizer: 'adam', lr: 2e-3, batchSize: 128, epochs: 10 },
  },
  denoising: {
    title: 'Denoising',
    blurb: 'Trained to rebuild clean images from ones with Gaussian noise added.',
    config: { ...base, hidden: [256], latent: 64, activation: 'relu', latentActivation: 'relu', outputActivation: 'sigmoid', loss: 'bce', optimizer: 'adam', lr: 1e-3, batchSize: 128, epochs: 10 },
  },
  vae: {
    title: 'VAE, 2-D',
    blurb: 'A variational autoencoder with a 2-D latent space: decode any point, walk the manifold.',
    config: { ...base, hidden: [256], latent: 2, activation: 'relu', latentActivation: 'linear', outputActivation: 'sigmoid', loss: 'bce', optimizer: 'adam', lr: 1e-3, batchSize: 128, epochs: 15 },
  },
  conv: {
    title: 'Convolutional',
    blurb: 'The Keras blog\'s convolutional autoencoder (3x3 convolutions, pooling, upsampling).',
    config: { ...base, hidden: [], latent: 128, activation: 'relu', latentActivation: 'relu', outputActivation: 'sigmoid', loss: 'bce', optimizer: 'adam', lr: 2e-3, batchSize: 64, epochs: 3 },
  },
};

export function presetConfig(name: PresetName): RunConfig {
  const c = PRESETS[name].config;
  return { preset: name, ...c, hidden: [...c.hidden] };
}

/** The knobs a preset does not use (the page greys them out; the URL leaves them out). */
export function unusedKnobs(preset: PresetName): (keyof RunConfig)[] {
  const out: (keyof RunConfig)[] = [];
  if (preset !== 'sparse') out.push('l1');
  if (preset !== 'denoising') out.push('noise');
  if (preset !== 'vae') out.push('beta');
  if (preset === 'conv') out.push('hidden', 'latent', 'latentActivation');
  if (preset === 'vae') out.push('outputActivation', 'latentActivation'); // its loss is the reconstruction term (bce or mse) beside KL
  return out;
}
