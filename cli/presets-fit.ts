/**
 * The presets fitted to the data a run trains on: they are written for MNIST (784 pixels in [0, 1], 60000
 * samples), and a table of 6 columns and 300 rows needs other widths, another output, smaller batches and
 * more epochs; the default preprocessing of each kind of data.
 */
import type { DataInfo } from '../src/index.js';
import { UsageError } from './errors.js';
import { PRESETS } from './presets.js';
import type { TrainConfig } from './train-config.js';

/**
 * The preset, fitted to the data: the presets are sized for MNIST's 784 pixels in [0, 1]. For smaller inputs
 * the dense widths shrink (hidden layers to twice the input, at least 16; the code to half the input, at least
 * 2; a width given on the command line is kept), and for
 * data not scaled to [0, 1] (standardized tables, sequences) the output becomes linear and cross-entropy
 * becomes MSE, since a sigmoid cannot reach values outside (0, 1). An explicit --loss bce there is an error.
 * Tables small enough to give fewer than 50 steps per epoch get smaller batches (never below 16), and without
 * --epochs a table trains for at least MIN_STEPS optimizer steps.
 */
export function fitToData(cfg: TrainConfig, info: DataInfo, unitRange: boolean, trainSamples: number): TrainConfig {
  const p = PRESETS[cfg.model];
  const out: TrainConfig = { ...cfg };
  // A small table in MNIST-sized batches would get a handful of steps per epoch: aim for 50 or more, and for
  // MIN_STEPS in all.
  if (info.kind === 'tabular') {
    if (!cfg.explicit.has('batch-size') && trainSamples / cfg.batchSize < 50) {
      out.batchSize = Math.max(16, 2 ** Math.floor(Math.log2(Math.max(trainSamples / 50, 1))));
    }
    out.epochs = epochsForSteps(out, trainSamples);
  }
  const size = info.sampleShape.reduce((a, b) => a * b, 1);
  if (!p.conv && !p.sequence && size < 784) {
    // Hidden layers twice as wide as the input (at least 16, at most the preset's), a code of half the input
    // (at least 2, at most the preset's): 4 columns give 4-16-2-16-4. Scaling MNIST's widths by size/784 would
    // give 4-2-2-2-4, whose narrow hidden layer loses to PCA with the same code (measured on seattle-weather).
    if (!cfg.explicit.has('hidden')) out.hidden = cfg.hidden.map((h) => Math.min(h, Math.max(16, 2 * size)));
    if (!cfg.explicit.has('latent')) out.latent = Math.max(2, Math.min(cfg.latent, Math.ceil(size / 2)));
  }
  if (!unitRange && !p.sequence) {
    if (cfg.loss === 'bce') {
      if (cfg.explicit.has('loss')) throw new UsageError(`--loss bce needs data scaled to [0, 1], but ${info.source} is preprocessed with ${cfg.preprocess ?? 'standardize'}: add --preprocess minmax, or use --loss mse`);
      out.loss = 'mse';
    }
    if (cfg.outputActivation === 'sigmoid' && !cfg.explicit.has('output-activation')) out.outputActivation = 'linear';
    if (out.noise?.type === 'gaussian') out.noise = { ...out.noise, clip: false };
  }
  return out;
}

/**
 * Optimizer steps a run takes at least when --epochs is not given (tables in `aekit train`, every model in
 * `aekit detect fit`). The presets' epochs are sized for MNIST's 60000 samples; a table of a few hundred rows
 * would stop after a hundred steps, far from fitted (measured on 8 correlated columns: at 1000 steps a
 * detector blames one pushed column in 16 on another, at 3000 none).
 */
export const MIN_STEPS = 3000;

/** The epochs that make at least MIN_STEPS steps over `trainSamples`, unless --epochs was given. */
export function epochsForSteps(cfg: TrainConfig, trainSamples: number): number {
  if (cfg.explicit.has('epochs')) return cfg.epochs;
  return Math.max(cfg.epochs, Math.ceil(MIN_STEPS / Math.ceil(trainSamples / cfg.batchSize)));
}

// The default preprocessing of a data kind (what `aekit train --help` states) is the library's, which the
// playground uses too; the commands import it from here, beside the other rules fitted to the data.
export { preprocessFor } from '../src/index.js';
