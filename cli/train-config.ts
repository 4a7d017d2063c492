/**
 * The flags of `aekit train` (also those of `aekit detect fit`, which trains the same models) and
 * `readTrainConfig`, which turns them into one checked TrainConfig: the preset fills in what was not given, an
 * explicit flag always wins over it. Everything is checked here, before any data is opened, so a typo or a flag
 * that means nothing for the chosen model fails in milliseconds instead of after loading data.
 */
import {
  ACTIVATIONS, type ActivationName, BACKEND_CHOICES, type BackendChoice, LOSSES, type LossName, type NoiseSpec,
  OPTIMIZERS, type OptimizerName, PREPROCESS_METHODS, type PreprocessMethod,
} from '../src/index.js';
import { choiceArg, intArg, intListArg, type Parsed, positiveArg } from './args.js';
import { DATA_OPTIONS } from './data-args.js';
import { UsageError } from './errors.js';
import { noiseArg } from './noise-arg.js';
import { type ArchFlag, MODEL_NAMES, type ModelName, type Preset, PRESETS, VARIANT_DEFAULTS, VARIANT_FLAGS } from './presets.js';
import { checkThreads } from './safety.js';
import { CHECKPOINT_OPTIONS } from './train-checkpoint.js';

export const TRAIN_OPTIONS = {
  model: { type: 'string' },
  hidden: { type: 'string' },
  latent: { type: 'string' },
  activation: { type: 'string' },
  'latent-activation': { type: 'string' },
  'output-activation': { type: 'string' },
  loss: { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  'batch-size': { type: 'string' },
  epochs: { type: 'string' },
  seed: { type: 'string' },
  preprocess: { type: 'string' },
  stream: { type: 'boolean' },
  'shuffle-buffer': { type: 'string' },
  ...DATA_OPTIONS,
  // variant parameters: each preset accepts only its own (Preset.flags)
  'pretrain-epochs': { type: 'string' },
  tied: { type: 'boolean' },
  l1: { type: 'string' },
  rho: { type: 'string' },
  beta: { type: 'string' },
  'no-baseline': { type: 'boolean' },
  noise: { type: 'string' },
  lambda: { type: 'string' },
  timesteps: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  out: { type: 'string' },
  ...CHECKPOINT_OPTIONS,
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = Parsed<typeof TRAIN_OPTIONS>['values'];

export interface TrainConfig {
  model: ModelName;
  hidden: number[];
  latent: number;
  activation: ActivationName;
  latentActivation: ActivationName;
  outputActivation: ActivationName;
  loss: LossName;
  optimizer: OptimizerName;
  lr: number;
  batchSize: number;
  epochs: number;
  seed: number;
  /** --preprocess, or undefined for the data kind's default (see preprocessFor). */
  preprocess: PreprocessMethod | undefined;
  /** --stream (or undefined: stream only files too large for memory); --shuffle-buffer in samples. */
  stream: boolean | undefined;
  shuffleBuffer: number | undefined;
  /** The architecture and loss flags given on the command line (they are never adapted to the data). */
  explicit: ReadonlySet<string>;
  out: string;
  backend: BackendChoice;
  threads: number | undefined;
  // variant parameters, set only for the presets that use them
  pretrainEpochs?: number;
  tied?: boolean;
  l1?: number;
  kl?: { rho: number; beta: number };
  /** Whether the sparse presets also train the no-penalty twin. */
  baseline?: boolean;
  noise?: NoiseSpec;
  lambda?: number;
  beta?: number;
  timesteps?: number;
}

/** A finite number >= 0 (penalty weights, where 0 switches the penalty off). */
function nonNegativeArg(flag: string, value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${flag} must be a number >= 0, got '${value}'`);
  return n;
}

/** The flags given on the command line that `preset` does not take, as a usage error. */
function refuseForeignFlags(name: ModelName, preset: Preset, v: Values): void {
  for (const flag of VARIANT_FLAGS) {
    if (v[flag] !== undefined && !preset.flags.includes(flag)) {
      const takes = preset.flags.length ? `it takes ${preset.flags.map((f) => `--${f}`).join(', ')}` : 'it takes none of the variant flags';
      const who = MODEL_NAMES.filter((m) => PRESETS[m].flags.includes(flag)).join(', ');
      throw new UsageError(`--${flag} is for --model ${who}, not ${name} (${takes}; see 'aekit train --model ${name} --help')`);
    }
  }
  for (const [flag, why] of Object.entries(preset.refuses ?? {}) as [ArchFlag, string][]) {
    if (v[flag] !== undefined) throw new UsageError(`--model ${name} does not take --${flag}: ${why}`);
  }
}

/** The model name alone (for `--model NAME --help`). */
export function modelArg(v: Values): ModelName {
  return choiceArg('model', v.model ?? 'autoencoder', MODEL_NAMES);
}

/** Every flag checked up front; the preset fills in what was not given. */
export function readTrainConfig(v: Values): TrainConfig {
  const model = modelArg(v);
  const p = PRESETS[model];
  refuseForeignFlags(model, p, v);
  const activation = choiceArg('activation', v.activation ?? p.activation, ACTIVATIONS);
  const cfg: TrainConfig = {
    model,
    hidden: v.hidden === undefined ? [...p.hidden] : intListArg('hidden', v.hidden),
    latent: v.latent === undefined ? p.latent : intArg('latent', v.latent),
    activation,
    latentActivation: choiceArg('latent-activation', v['latent-activation'] ?? p.latentActivation ?? activation, ACTIVATIONS),
    outputActivation: choiceArg('output-activation', v['output-activation'] ?? p.outputActivation, ACTIVATIONS),
    loss: choiceArg('loss', v.loss ?? p.loss, p.losses ?? LOSSES),
    optimizer: choiceArg('optimizer', v.optimizer ?? p.optimizer, OPTIMIZERS),
    lr: v.lr === undefined ? p.lr : positiveArg('lr', v.lr),
    batchSize: v['batch-size'] === undefined ? p.batchSize : intArg('batch-size', v['batch-size']),
    epochs: v.epochs === undefined ? p.epochs : intArg('epochs', v.epochs),
    seed: intArg('seed', v.seed ?? '0', 0),
    preprocess: v.preprocess === undefined ? undefined : choiceArg('preprocess', v.preprocess, PREPROCESS_METHODS),
    stream: v.stream,
    shuffleBuffer: v['shuffle-buffer'] === undefined ? undefined : intArg('shuffle-buffer', v['shuffle-buffer']),
    explicit: new Set((['hidden', 'latent', 'activation', 'latent-activation', 'output-activation', 'loss', 'batch-size', 'epochs'] as const).filter((f) => v[f] !== undefined)),
    out: v.out ?? './aekit-out',
    backend: choiceArg('backend', v.backend ?? 'auto', BACKEND_CHOICES),
    threads: v.threads === undefined ? undefined : checkThreads(intArg('threads', v.threads)),
  };
  switch (model) {
    case 'stacked':
      cfg.pretrainEpochs = v['pretrain-epochs'] === undefined ? VARIANT_DEFAULTS.pretrainEpochs : intArg('pretrain-epochs', v['pretrain-epochs']);
      cfg.tied = v.tied === true;
      break;
    case 'sparse':
      cfg.l1 = v.l1 === undefined ? VARIANT_DEFAULTS.l1 : nonNegativeArg('l1', v.l1);
      cfg.baseline = v['no-baseline'] !== true;
      break;
    case 'sparse-kl': {
      const rho = v.rho === undefined ? VARIANT_DEFAULTS.rho : Number(v.rho);
      if (!(rho > 0 && rho < 1)) throw new UsageError(`--rho must be a number in (0, 1), got '${v.rho}'`);
      cfg.kl = { rho, beta: v.beta === undefined ? VARIANT_DEFAULTS.klBeta : nonNegativeArg('beta', v.beta) };
      cfg.baseline = v['no-baseline'] !== true;
      if (cfg.latentActivation !== 'sigmoid') {
        throw new UsageError(`--model sparse-kl needs a sigmoid code (its KL target is an average activation in (0, 1)); got --latent-activation ${cfg.latentActivation}`);
      }
      break;
    }
    case 'denoising':
    case 'denoising-conv':
      cfg.noise = noiseArg(v.noise ?? VARIANT_DEFAULTS.noise);
      break;
    case 'contractive':
      cfg.lambda = v.lambda === undefined ? VARIANT_DEFAULTS.lambda : nonNegativeArg('lambda', v.lambda);
      break;
    case 'vae':
      cfg.beta = v.beta === undefined ? VARIANT_DEFAULTS.vaeBeta : nonNegativeArg('beta', v.beta);
      if (cfg.latent < 2) throw new UsageError('--model vae needs --latent 2 or more (its manifold figure is a 2-D grid)');
      break;
    case 'sequence':
      if (v.timesteps !== undefined && v.data !== undefined) throw new UsageError('--timesteps is the length of the generated sine waves; with --data the sequences have their own length');
      cfg.timesteps = v.timesteps === undefined ? VARIANT_DEFAULTS.timesteps : intArg('timesteps', v.timesteps);
      if (cfg.hidden.length !== 1) throw new UsageError(`--model sequence takes one --hidden width (of both LSTMs), got '${cfg.hidden.join(',')}'`);
      break;
    case 'autoencoder':
    case 'deep':
    case 'conv':
      break;
  }
  return cfg;
}
