/**
 * The one table of model kinds: what a model file's `kind` is rebuilt as. Every kind aekit saves is listed
 * here, so loading never depends on which modules happen to have been imported (there are no side-effect
 * registration files); a user's own Module class joins the table with registerModelKind. `autoencoder` marks
 * the kinds that implement models/model.ts's AutoencoderModel, which is how the uses tell an autoencoder from
 * a perceptron without testing classes.
 */
import { AnomalyDetector, type AnomalyDetectorConfig } from '../analysis/anomaly.js';
import { Autoencoder, type AutoencoderConfig } from '../models/autoencoder.js';
import { ContractiveAutoencoder, type ContractiveAutoencoderConfig } from '../models/contractive.js';
import { ConvAutoencoder, type ConvAutoencoderConfig } from '../models/conv-autoencoder.js';
import { DenoisingAutoencoder, type DenoisingAutoencoderConfig } from '../models/denoising.js';
import { MLP, type MLPConfig } from '../models/mlp.js';
import type { AutoencoderModel } from '../models/model.js';
import { Perceptron, type PerceptronConfig } from '../models/perceptron.js';
import { RNNRegressor, type RNNRegressorConfig } from '../models/rnn.js';
import { SequenceAutoencoder, type SequenceAutoencoderConfig } from '../models/sequence-autoencoder.js';
import { SparseAutoencoder, type SparseAutoencoderConfig } from '../models/sparse.js';
import { StackedAutoencoder, type StackedAutoencoderConfig } from '../models/stacked.js';
import { VAE, type VAEConfig } from '../models/vae.js';
import { Conv2D, type Conv2DConfig, Conv2DTranspose } from '../nn/conv.js';
import { Dense, type DenseConfig, Sequential } from '../nn/dense.js';
import { Dropout } from '../nn/dropout.js';
import type { Module } from '../nn/module.js';
import { AvgPool2D, MaxPool2D, type Pool2DConfig } from '../nn/pool.js';
import { Flatten, Reshape, UpSampling2D } from '../nn/reshape.js';
import type { DType } from '../kernels/types.js';

type Config = Record<string, unknown>;

export interface ModelKind {
  /** Rebuilds an untrained model from its saved config (each constructor validates its own config). */
  build(config: Config, source: string): Module;
  /** Whether models of this kind are AutoencoderModels. */
  autoencoder: boolean;
}

type LayerSpec = Config & { type?: string; dtype?: DType };

/** Sequential's layer types. */
const layerBuilders: Record<string, (l: LayerSpec) => Module> = {
  Dense: (l) => new Dense(l as unknown as DenseConfig, { dtype: l.dtype }),
  Conv2D: (l) => new Conv2D(l as unknown as Conv2DConfig, { dtype: l.dtype }),
  Conv2DTranspose: (l) => new Conv2DTranspose(l as unknown as Conv2DConfig, { dtype: l.dtype }),
  MaxPool2D: (l) => new MaxPool2D(l as Pool2DConfig),
  AvgPool2D: (l) => new AvgPool2D(l as Pool2DConfig),
  UpSampling2D: (l) => new UpSampling2D(l as { size?: [number, number] }),
  Flatten: () => new Flatten(),
  Dropout: (l) => new Dropout(l.rate as number),
  Reshape: (l) => new Reshape(l as unknown as { targetShape: number[] }),
};

function buildSequential(c: Config, source: string): Sequential {
  const layers = c.layers;
  if (!Array.isArray(layers)) throw new Error(`${source}: Sequential config has no 'layers' list`);
  return new Sequential(layers.map((l: LayerSpec, i) => {
    const build = typeof l?.type === 'string' && Object.hasOwn(layerBuilders, l.type) ? layerBuilders[l.type] : undefined;
    if (!build) throw new Error(`${source}: layer ${i} has unknown type '${String(l?.type)}'`);
    if (l.dtype !== undefined && l.dtype !== 'float32' && l.dtype !== 'float64') throw new Error(`${source}: layer ${i} has unknown dtype '${String(l.dtype)}'`);
    return build(l);
  }));
}

const ae = (build: (c: Config) => AutoencoderModel): ModelKind => ({ build, autoencoder: true });
const other = (build: (c: Config, source: string) => Module): ModelKind => ({ build, autoencoder: false });

const KINDS = new Map<string, ModelKind>([
  ['Autoencoder', ae((c) => new Autoencoder(c as unknown as AutoencoderConfig))],
  ['SparseAutoencoder', ae((c) => new SparseAutoencoder(c as unknown as SparseAutoencoderConfig))],
  ['DenoisingAutoencoder', ae((c) => new DenoisingAutoencoder(c as unknown as DenoisingAutoencoderConfig))],
  ['ContractiveAutoencoder', ae((c) => new ContractiveAutoencoder(c as unknown as ContractiveAutoencoderConfig))],
  ['VAE', ae((c) => new VAE(c as unknown as VAEConfig))],
  ['StackedAutoencoder', ae((c) => new StackedAutoencoder(c as unknown as StackedAutoencoderConfig))],
  ['ConvAutoencoder', ae((c) => new ConvAutoencoder(c as unknown as ConvAutoencoderConfig))],
  ['SequenceAutoencoder', ae((c) => new SequenceAutoencoder(c as unknown as SequenceAutoencoderConfig))],
  ['AnomalyDetector', other(buildDetector)],
  ['Perceptron', other((c) => new Perceptron(c as unknown as PerceptronConfig))],
  ['MLP', other((c) => new MLP(c as unknown as MLPConfig))],
  ['RNNRegressor', other((c) => new RNNRegressor(c as unknown as RNNRegressorConfig))],
  ['Sequential', other(buildSequential)],
]);

/** The kind's entry, or an error listing the known kinds. */
export function modelKind(kind: string, source: string): ModelKind {
  const k = KINDS.get(kind);
  if (!k) throw new Error(`${source}: unknown model kind '${kind}' (known: ${[...KINDS.keys()].join(', ')})`);
  return k;
}

/** The names of the autoencoder kinds (for messages). */
export function autoencoderKinds(): string[] {
  return [...KINDS].filter(([, k]) => k.autoencoder).map(([name]) => name);
}

/**
 * Lets a Module class of one's own be saved and loaded (its `modelConfig().kind` maps to `build`); with
 * `autoencoder: true` it must implement AutoencoderModel and every command that takes an autoencoder takes it.
 */
export function registerModelKind(kind: string, build: (config: Config, source: string) => Module, opts: { autoencoder?: boolean } = {}): void {
  KINDS.set(kind, { build, autoencoder: opts.autoencoder ?? false });
}

/** True when `model` is of an autoencoder kind (by its saved kind, not by its class). */
export function isAutoencoderModel(model: Module): model is AutoencoderModel {
  const cfg = (model as { modelConfig?: () => { kind: string } }).modelConfig;
  return typeof cfg === 'function' && KINDS.get(cfg.call(model).kind)?.autoencoder === true;
}

/** An AnomalyDetector wraps an autoencoder of any autoencoder kind, saved under `autoencoder.*`. */
function buildDetector(config: Config, source: string): AnomalyDetector {
  const inner = config.autoencoder as { kind?: unknown; config?: unknown } | undefined;
  if (!inner || typeof inner.kind !== 'string' || typeof inner.config !== 'object' || inner.config === null) {
    throw new Error(`${source}: AnomalyDetector config has no autoencoder { kind, config }`);
  }
  const kind = modelKind(inner.kind, source);
  if (!kind.autoencoder) throw new Error(`${source}: an AnomalyDetector wraps an autoencoder, not a '${inner.kind}'`);
  for (const k of ['standardize', 'strategy', 'threshold', 'calibrationSize', 'inputDim'] as const) {
    if (!(k in config)) throw new Error(`${source}: AnomalyDetector config lacks '${k}'`);
  }
  return AnomalyDetector.fromConfig(config as unknown as AnomalyDetectorConfig, kind.build(inner.config as Config, source) as AutoencoderModel);
}
