/**
 * The model presets of `aekit train --model NAME`. A preset names the library class it trains and sets every
 * default of the run: architecture, loss, optimizer, learning rate, batch size, epochs and the variant's own
 * parameters (L1 weight, noise, ...). The help's table and per-model sections are rendered here from the same
 * records, so what `--help` promises cannot drift from what a run does. Reading the flags against a preset is
 * cli/train-config.ts's job.
 *
 * Why the defaults are what they are (measured on MNIST, see the notes of each preset):
 *   - the reconstruction losses are means over pixels, so penalty weights are much smaller than in papers
 *     that sum over pixels (Ng's beta 3, Rifai's lambda 0.1): those would swamp the reconstruction here;
 *   - single sigmoid layers (sparse-kl, contractive) learn slowly with Adam's usual 1e-3, hence lr 0.01.
 */
import {
  type ActivationName, CONV_AE_PRESETS, type ConvAutoencoderPreset, type LossName, type OptimizerName,
} from '../src/index.js';

export const MODEL_NAMES = ['autoencoder', 'deep', 'stacked', 'sparse', 'sparse-kl', 'denoising', 'contractive', 'vae', 'conv', 'denoising-conv', 'sequence'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export type VariantFlag = 'pretrain-epochs' | 'tied' | 'l1' | 'rho' | 'beta' | 'no-baseline' | 'noise' | 'lambda' | 'timesteps';
export const VARIANT_FLAGS: readonly VariantFlag[] = ['pretrain-epochs', 'tied', 'l1', 'rho', 'beta', 'no-baseline', 'noise', 'lambda', 'timesteps'];
export type ArchFlag = 'hidden' | 'activation' | 'latent-activation' | 'output-activation';

export interface Preset {
  /** One line in the list of models. */
  blurb: string;
  /** What `aekit train --model NAME --help` adds: the recipe, its sources, its time. */
  notes: string;
  hidden: number[];
  latent: number;
  activation: ActivationName;
  /** Default: the (possibly overridden) --activation. */
  latentActivation?: ActivationName;
  outputActivation: ActivationName;
  loss: LossName;
  /** The losses this model can train on (default: all). */
  losses?: readonly LossName[];
  optimizer: OptimizerName;
  lr: number;
  batchSize: number;
  epochs: number;
  /** Variant flags this preset takes. */
  flags: readonly VariantFlag[];
  /** Architecture flags it cannot honour, and why. */
  refuses?: Partial<Record<ArchFlag, string>>;
  /** A convolutional model: the ConvAutoencoder preset it builds (hidden/latent then only describe it). */
  conv?: ConvAutoencoderPreset;
  /** Trained on sequences (cli/train-sequence.ts); without --data, on generated noisy sines. */
  sequence?: true;
  /** false: its training needs the data in memory (no --stream). */
  streams?: false;
}

const CONV_REFUSES = {
  hidden: 'its layers are the Keras blog\'s convolution stack (other stacks: the library\'s ConvAutoencoder)',
  latent: 'its code is the convolution stack\'s last feature map (other stacks: the library\'s ConvAutoencoder)',
  'latent-activation': 'the code is the output of a convolution stage, which uses --activation',
} as const;

/** Defaults of the variant flags (documented in the help from here). */
export const VARIANT_DEFAULTS = {
  pretrainEpochs: 3,
  l1: 1e-4,
  rho: 0.05,
  klBeta: 0.01,
  vaeBeta: 1,
  noise: 'gaussian:0.5',
  lambda: 0.01,
  timesteps: 20,
  /** Sequences generated for training and testing when --limit / --test-limit are not given. */
  sequences: 4096,
  testSequences: 1024,
} as const;

export const PRESETS: Record<ModelName, Preset> = {
  autoencoder: {
    blurb: 'the seed 002 tutorial (Autoencoder)',
    notes: 'The seed 002 tutorial, unchanged: sigmoid everywhere, MSE, RMSProp. About 20-40 s on 2 cores.',
    hidden: [256], latent: 128, activation: 'sigmoid', outputActivation: 'sigmoid',
    loss: 'mse', optimizer: 'rmsprop', lr: 0.01, batchSize: 256, epochs: 5, flags: [],
  },
  deep: {
    blurb: 'Hinton & Salakhutdinov\'s 784-1000-500-250-30 (Autoencoder)',
    notes: 'The deep MNIST autoencoder of Hinton & Salakhutdinov (2006), trained from a random start: ReLU\n' +
      'hidden layers and Adam make their RBM pretraining unnecessary at this depth (see --model stacked for\n' +
      'greedy pretraining). Linear 30-d code as theirs, sigmoid output, cross-entropy as theirs.\n' +
      '2.8 M weights: about 20 s per epoch over 60000 images on 2 cores, so 3-4 minutes by default.',
    hidden: [1000, 500, 250], latent: 30, activation: 'relu', latentActivation: 'linear', outputActivation: 'sigmoid',
    loss: 'bce', optimizer: 'adam', lr: 1e-3, batchSize: 256, epochs: 10, flags: [],
  },
  stacked: {
    blurb: 'greedy layer-wise pretraining, then fine-tuning (StackedAutoencoder)',
    notes: 'Greedy layer-wise pretraining (Bengio et al. 2007): one shallow autoencoder per layer, each\n' +
      'rebuilding the codes of the layer below (the first one the images, with --loss; deeper ones with\n' +
      'mse), for --pretrain-epochs each; then the whole stack is fine-tuned for --epochs. Every stage\n' +
      'gets a fresh optimizer. The layers are the Keras blog\'s deep autoencoder, 784-128-64-32.\n' +
      `  --pretrain-epochs N   epochs of each pretraining stage (default ${VARIANT_DEFAULTS.pretrainEpochs})\n` +
      '  --tied                decoder weights = encoder weights transposed (half the weights)\n' +
      'Writes stages.png (loss per stage); trainLoss/valLoss are the fine-tuning stage\'s. About a minute.',
    hidden: [128, 64], latent: 32, activation: 'relu', outputActivation: 'sigmoid',
    loss: 'bce', losses: ['bce', 'mse'], optimizer: 'adam', lr: 1e-3, batchSize: 256, epochs: 10,
    flags: ['pretrain-epochs', 'tied'], streams: false,
  },
  sparse: {
    blurb: 'L1 activity penalty on the code, as the Keras blog (SparseAutoencoder)',
    notes: 'The Keras blog\'s sparse autoencoder: 784-32-784, ReLU code with an L1 activity penalty\n' +
      'l1 * sum|h| / batch added to the cross-entropy (which is a mean over pixels), Adam. The blog trains\n' +
      '100 epochs; 50 here.\n' +
      `  --l1 X          weight of the penalty (default ${VARIANT_DEFAULTS.l1})\n` +
      '  --no-baseline   skip the comparison net (below)\n' +
      'By default the same network is also trained without the penalty (same seed, epochs; it doubles the\n' +
      'time, about 3 minutes in all), and code-histogram.png overlays the code activations of both.\n' +
      'trainLoss includes the penalty; valLoss is the plain reconstruction loss.',
    hidden: [], latent: 32, activation: 'relu', outputActivation: 'sigmoid',
    loss: 'bce', optimizer: 'adam', lr: 1e-3, batchSize: 256, epochs: 50, flags: ['l1', 'no-baseline'],
  },
  'sparse-kl': {
    blurb: 'KL sparsity target on a sigmoid code, as Ng\'s notes (SparseAutoencoder)',
    notes: 'Ng\'s sparse autoencoder (CS294A notes): 784-196-784 with a sigmoid code whose average activation\n' +
      'per unit is pushed towards rho by beta * sum_j KL(rho || rho_hat_j). The reconstruction term here is\n' +
      'a mean over the 784 pixels (Ng sums squared errors per image), so Ng\'s beta 3 corresponds to about\n' +
      '3/784 here; larger values hold rho_hat closer to rho at some cost in reconstruction.\n' +
      `  --rho X         target average activation in (0, 1) (default ${VARIANT_DEFAULTS.rho})\n` +
      `  --beta X        weight of the KL penalty (default ${VARIANT_DEFAULTS.klBeta})\n` +
      '  --no-baseline   skip the comparison net without the penalty (default: trained too, doubling the time)\n' +
      'The code must stay sigmoid (rho_hat is an average activation in (0, 1)). About 2.5 minutes.',
    hidden: [], latent: 196, activation: 'sigmoid', latentActivation: 'sigmoid', outputActivation: 'sigmoid',
    loss: 'bce', optimizer: 'adam', lr: 0.01, batchSize: 256, epochs: 20, flags: ['rho', 'beta', 'no-baseline'],
  },
  denoising: {
    blurb: 'trained to rebuild clean digits from corrupted ones (DenoisingAutoencoder)',
    notes: 'A denoising autoencoder (Vincent et al. 2008) with the seed 004 corruption: Gaussian noise of\n' +
      'factor 0.5, clipped to [0, 1]; each batch is corrupted afresh, the target is the clean batch.\n' +
      `  --noise SPEC   gaussian:F (x + F N(0,1), clipped), masking:P (a fraction P of the pixels set to 0)\n` +
      '                 or salt-and-pepper:P (a fraction P set to 0 or 1); the number may be left out\n' +
      `                 (gaussian 0.5, masking 0.3, salt-and-pepper 0.2). Default ${VARIANT_DEFAULTS.noise}.\n` +
      'Validation, testMse and denoising.png use a fixed noisy copy of the test images: the loss and MSE\n' +
      'of the denoised images against the clean ones. summary.json adds PSNR and SSIM of the noisy and the\n' +
      'denoised images. About 70 s.',
    hidden: [256], latent: 64, activation: 'relu', outputActivation: 'sigmoid',
    loss: 'bce', optimizer: 'adam', lr: 1e-3, batchSize: 256, epochs: 10, flags: ['noise'],
  },
  contractive: {
    blurb: 'penalty on the Frobenius norm of the encoder\'s Jacobian (ContractiveAutoencoder)',
    notes: 'A contractive autoencoder (Rifai et al. 2011): cross-entropy + lambda * ||J_f(x)||_F^2, with the\n' +
      'closed form of a single sigmoid encoder layer, hence no --hidden and a sigmoid code. Rifai et al.\n' +
      'sum the reconstruction over pixels; it is a mean here, so lambda is smaller than theirs.\n' +
      `  --lambda X   weight of the penalty (default ${VARIANT_DEFAULTS.lambda}; 0 trains a plain autoencoder)\n` +
      'summary.json adds the mean ||J_f(x)||_F over the test images. About a minute.',
    hidden: [], latent: 128, activation: 'sigmoid', outputActivation: 'sigmoid',
    loss: 'bce', optimizer: 'adam', lr: 0.01, batchSize: 256, epochs: 20, flags: ['lambda'],
    refuses: {
      hidden: 'the encoder is one sigmoid layer (the closed-form Jacobian)',
      activation: 'the code is sigmoid (the closed-form Jacobian)',
      'latent-activation': 'the code is sigmoid (the closed-form Jacobian)',
    },
  },
  vae: {
    blurb: 'variational autoencoder with a 2-D latent space (VAE)',
    notes: 'The Keras VAE example: 784-512-2, ReLU trunk, linear mean and log-variance heads, sigmoid output.\n' +
      'Loss per image: the cross-entropy summed over pixels (or --loss mse: squared error summed) + beta KL;\n' +
      'trainLoss and valLoss are in those units (nats per image), testMse is the usual per-pixel MSE of\n' +
      'the decoded posterior means.\n' +
      `  --beta X   weight of the KL term (default ${VARIANT_DEFAULTS.vaeBeta}; > 1 is a beta-VAE)\n` +
      'Writes vae-samples.png (decoded draws z ~ N(0, I)) and vae-manifold.png (the decoded 2-D latent\n' +
      'grid; with --latent > 2 its first two dims, others 0). About 8 s per epoch, 4 minutes by default.',
    // latentActivation only describes the linear heads in the help; the VAE has no code activation to set.
    hidden: [512], latent: 2, activation: 'relu', latentActivation: 'linear', outputActivation: 'sigmoid',
    loss: 'bce', losses: ['bce', 'mse'], optimizer: 'adam', lr: 1e-3, batchSize: 128, epochs: 30, flags: ['beta'], streams: false,
    refuses: {
      'latent-activation': 'the latent heads are linear (mean and log-variance)',
      'output-activation': 'the output is always a sigmoid',
    },
  },
  conv: {
    blurb: 'the Keras blog convolutional autoencoder (ConvAutoencoder)',
    notes: 'The Keras blog\'s convolutional autoencoder on 28x28x1 images (NHWC): 3x3 convolutions with ReLU,\n' +
      'Conv16-MaxPool-Conv8-MaxPool-Conv8-MaxPool down to a 4x4x8 code (128 numbers), then\n' +
      'Conv8-Up-Conv8-Up-Conv16 (valid, 16 -> 14)-Up-Conv1 sigmoid back to 28x28x1; pools and upsampling 2x2.\n' +
      'Cross-entropy and Adam; the blog trains 50 epochs with batch 128, 10 here.\n' +
      'About 12 s per epoch on 2 cores (the W3 row of bench/RESULTS.md), 2 minutes by default.',
    hidden: [], latent: 128, activation: 'relu', outputActivation: 'sigmoid',
    loss: 'bce', optimizer: 'adam', lr: 1e-3, batchSize: 128, epochs: 10, flags: [], refuses: CONV_REFUSES, conv: 'keras-blog',
  },
  'denoising-conv': {
    blurb: 'the Keras blog convolutional denoiser (ConvAutoencoder with noise)',
    notes: 'The Keras blog\'s denoising model: Conv32-MaxPool-Conv32-MaxPool to a 7x7x32 code, then\n' +
      'Conv32-Up-Conv32-Up-Conv1 sigmoid; 3x3 ReLU convolutions. Each batch is corrupted afresh (default\n' +
      'Gaussian noise of factor 0.5, clipped to [0, 1], as the blog), the target is the clean batch.\n' +
      `  --noise SPEC   as for --model denoising (default ${VARIANT_DEFAULTS.noise})\n` +
      'Validation, testMse and denoising.png use a fixed noisy copy of the test images; summary.json adds\n' +
      'PSNR and SSIM of the noisy and the denoised images. The blog trains 100 epochs; 5 here, about\n' +
      'a minute each on 2 cores.',
    hidden: [], latent: 1568, activation: 'relu', outputActivation: 'sigmoid',
    loss: 'bce', optimizer: 'adam', lr: 1e-3, batchSize: 128, epochs: 5, flags: ['noise'], refuses: CONV_REFUSES, conv: 'keras-blog-denoising',
  },
  sequence: {
    blurb: 'LSTM sequence autoencoder on noisy sine waves (SequenceAutoencoder)',
    notes: 'The Keras blog\'s sequence autoencoder: an LSTM reads each sequence, its last state goes through a\n' +
      'linear Dense to the code, RepeatVector feeds the code to every step of a second LSTM, and a\n' +
      'TimeDistributed Dense maps each step back. Data: synthetic noisy sines (random phase and frequency,\n' +
      `noise 0.1), not MNIST: --limit and --test-limit are numbers of sequences (default ${VARIANT_DEFAULTS.sequences} and\n` +
      `${VARIANT_DEFAULTS.testSequences}, seeded by --seed), --hidden N the width of both LSTMs, --latent the code size.\n` +
      `  --timesteps N   sequence length (default ${VARIANT_DEFAULTS.timesteps})\n` +
      'testMse is the MSE of the reconstructions of the (noisy) test sequences; summary.json adds the MSE\n' +
      'of predicting the per-step mean of the training sequences, the baseline it must beat, and of the\n' +
      'reconstructions against the noise-free sines. Writes sequences.png (test sequences and their\n' +
      'reconstructions) instead of reconstructions.png. About 2 minutes.',
    hidden: [32], latent: 8, activation: 'tanh', outputActivation: 'linear',
    loss: 'mse', losses: ['mse'], optimizer: 'adam', lr: 0.01, batchSize: 64, epochs: 20, flags: ['timesteps'], sequence: true, streams: false,
    refuses: {
      activation: 'the LSTMs have their own tanh and sigmoid gates',
      'latent-activation': 'the code is a linear Dense of the encoder\'s last state',
      'output-activation': 'each step is mapped back by a linear Dense',
    },
  },
};

/** "conv 16-8-8 / 8-8-16v (4x4x8 code)": convolution filters per stage, v for 'valid' padding. */
function convLayers(name: ConvAutoencoderPreset): string {
  const p: { encoder: readonly (number | { filters: number; padding?: string })[]; decoder: readonly (number | { filters: number; padding?: string })[] } = CONV_AE_PRESETS[name];
  const stages = (l: typeof p.encoder): string => l.map((s) => (typeof s === 'number' ? `${s}` : `${s.filters}${s.padding === 'valid' ? 'v' : ''}`)).join('-');
  return `conv${stages(p.encoder)}/${stages(p.decoder)}`;
}

function layersOf(p: Preset): string {
  if (p.conv) return convLayers(p.conv);
  if (p.sequence) return `lstm${p.hidden[0]}-${p.latent}-lstm${p.hidden[0]}`;
  const enc = [784, ...p.hidden, p.latent];
  return [...enc, ...enc.slice(0, -1).reverse()].join('-');
}

/** The table of presets and their defaults, for `aekit train --help` (built from PRESETS, so it cannot drift). */
export function presetTable(): string {
  const rows = [['MODEL', 'LAYERS', 'HIDDEN/CODE/OUTPUT', 'LOSS', 'OPTIMIZER', 'BATCH', 'EPOCHS']];
  for (const name of MODEL_NAMES) {
    const p = PRESETS[name];
    const acts = p.sequence ? 'lstm/linear/linear' : p.conv ? `${p.activation}/${p.activation}/${p.outputActivation}` : `${p.hidden.length ? p.activation : '-'}/${p.latentActivation ?? p.activation}/${p.outputActivation}`;
    rows.push([name, layersOf(p), acts, p.loss, `${p.optimizer} ${p.lr}`, String(p.batchSize), String(p.epochs)]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => `  ${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')}`).join('\n');
}

/** One line per preset. */
export function presetList(): string {
  return MODEL_NAMES.map((n) => `  ${n.padEnd(15)} ${PRESETS[n].blurb}`).join('\n');
}

/** The section `aekit train --model NAME --help` appends. */
export function presetHelp(name: ModelName): string {
  const p = PRESETS[name];
  const latentAct = p.latentActivation ?? p.activation;
  const arch = p.sequence
    ? `${layersOf(p)} (LSTM width ${p.hidden[0]}, code ${p.latent}), ${p.outputActivation} output; `
    : p.conv
    ? `${layersOf(p)} (filters per stage, v = 'valid'), ${p.activation} convolutions, ${p.outputActivation} output; `
    : `${layersOf(p)}, ${p.hidden.length ? `${p.activation} hidden layers, ` : ''}${latentAct} code, ${p.outputActivation} output; `;
  return `--model ${name}: ${p.blurb}\n\n${p.notes}\n\nDefaults: ${arch}` +
    `${p.loss}, ${p.optimizer} lr ${p.lr}, batch ${p.batchSize}, ${p.epochs} epochs.\n` +
    `Every option of 'aekit train' follows.\n\n`;
}
