/**
 * The model file: one .safetensors file. Weights are tensors named by module path (`encoder.layers.0.weight`);
 * aekit's own config goes, as JSON, into the safetensors `__metadata__` map under the key "aekit":
 *
 *   { "aekit_format": 1, "kind": "Autoencoder", "config": {...}, "training": {...} }
 *
 * Python's `safetensors.safe_open(path, "pt")` reads every weight, and aekit rebuilds the model from the one
 * file. Writes are atomic; on load every field is validated and every weight checked finite.
 */
import type { DType } from '../kernels/types.js';
import { Autoencoder, type AutoencoderConfig } from '../models/autoencoder.js';
import { MLP, type MLPConfig } from '../models/mlp.js';
import { Perceptron, type PerceptronConfig } from '../models/perceptron.js';
import { RNNRegressor, type RNNRegressorConfig } from '../models/rnn.js';
import { ConvAutoencoder, type ConvAutoencoderConfig } from '../models/conv-autoencoder.js';
import { Conv2D, type Conv2DConfig, Conv2DTranspose } from '../nn/conv.js';
import { Dense, type DenseConfig, Sequential } from '../nn/dense.js';
import { AvgPool2D, MaxPool2D, type Pool2DConfig } from '../nn/pool.js';
import { Flatten, Reshape, UpSampling2D } from '../nn/reshape.js';
import type { Module } from '../nn/module.js';
import { fmtShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { decodeSafetensors, encodeSafetensors, readSafetensors, type SafeTensor } from './safetensors.js';
import { writeFileAtomic } from './atomic.js';

export const AEKIT_FORMAT = 1;

export interface ModelHeader {
  aekit_format: number;
  kind: string;
  config: Record<string, unknown>;
  /** Free-form training summary (history, data, timings), written by the CLI. */
  training?: Record<string, unknown>;
}

export interface SavableModel extends Module {
  modelConfig(): { kind: string; config: object };
}

type Builder = (config: Record<string, unknown>, source: string) => Module;

type LayerSpec = Record<string, unknown> & { dtype?: DType };
/** Sequential's layer types: each constructor validates its own config, so a bad file fails with its message. */
const layerBuilders: Record<string, (l: LayerSpec) => Module> = {
  Dense: (l) => new Dense(l as unknown as DenseConfig, { dtype: l.dtype }),
  Conv2D: (l) => new Conv2D(l as unknown as Conv2DConfig, { dtype: l.dtype }),
  Conv2DTranspose: (l) => new Conv2DTranspose(l as unknown as Conv2DConfig, { dtype: l.dtype }),
  MaxPool2D: (l) => new MaxPool2D(l as Pool2DConfig),
  AvgPool2D: (l) => new AvgPool2D(l as Pool2DConfig),
  UpSampling2D: (l) => new UpSampling2D(l as { size?: [number, number] }),
  Flatten: () => new Flatten(),
  Reshape: (l) => new Reshape(l as unknown as { targetShape: number[] }),
};

const builders = new Map<string, Builder>([
  ['Autoencoder', (c) => new Autoencoder(c as unknown as AutoencoderConfig)],
  ['Sequential', (c, source) => {
    const layers = (c as { layers?: unknown }).layers;
    if (!Array.isArray(layers)) throw new Error(`${source}: Sequential config has no 'layers' list`);
    return new Sequential(layers.map((l: { type?: string } & LayerSpec, i) => {
      const build = typeof l?.type === 'string' && Object.hasOwn(layerBuilders, l.type) ? layerBuilders[l.type] : undefined;
      if (!build) throw new Error(`${source}: layer ${i} has unknown type '${String(l?.type)}'`);
      if (l.dtype !== undefined && l.dtype !== 'float32' && l.dtype !== 'float64') throw new Error(`${source}: layer ${i} has unknown dtype '${String(l.dtype)}'`);
      return build(l);
    }));
  }],
]);

registerModelKind('Perceptron', (c) => new Perceptron(c as unknown as PerceptronConfig));
registerModelKind('MLP', (c) => new MLP(c as unknown as MLPConfig));
registerModelKind('RNNRegressor', (c) => new RNNRegressor(c as unknown as RNNRegressorConfig));
registerModelKind('ConvAutoencoder', (c) => new ConvAutoencoder(c as unknown as ConvAutoencoderConfig));

/** Lets a new model class be loaded from files (its `modelConfig().kind` maps to this builder). */
export function registerModelKind(kind: string, build: Builder): void {
  builders.set(kind, build);
}

function toSafe(t: Tensor): SafeTensor {
  return { dtype: t.dtype === 'float64' ? 'F64' : 'F32', shape: [...t.shape], data: t.toTypedArray() };
}

export function encodeModel(model: SavableModel, training?: Record<string, unknown>): Uint8Array {
  const { kind, config } = model.modelConfig();
  const header: ModelHeader = { aekit_format: AEKIT_FORMAT, kind, config: config as Record<string, unknown> };
  if (training) header.training = training;
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, t] of model.namedTensors()) tensors[name] = toSafe(t);
  return encodeSafetensors(tensors, { aekit: JSON.stringify(header) });
}

/** Writes the model atomically (temp file + rename): an existing file survives any failure. */
export function saveModel(path: string, model: SavableModel, training?: Record<string, unknown>): void {
  writeFileAtomic(path, encodeModel(model, training));
}

export function parseHeader(metadata: Record<string, string>, source: string): ModelHeader {
  const raw = metadata.aekit;
  if (raw === undefined) throw new Error(`${source}: not an aekit model file (no "aekit" entry in the safetensors metadata)`);
  let h: unknown;
  try {
    h = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${source}: the aekit metadata is not valid JSON (${(e as Error).message})`);
  }
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw new Error(`${source}: the aekit metadata is not a JSON object`);
  const o = h as Record<string, unknown>;
  if (o.aekit_format !== AEKIT_FORMAT) {
    throw new Error(`${source}: unsupported aekit_format ${JSON.stringify(o.aekit_format)} (this version reads format ${AEKIT_FORMAT})`);
  }
  if (typeof o.kind !== 'string') throw new Error(`${source}: the aekit metadata has no model 'kind'`);
  if (typeof o.config !== 'object' || o.config === null) throw new Error(`${source}: the aekit metadata has no model 'config'`);
  return o as unknown as ModelHeader;
}

export interface LoadedModel<M extends Module = Module> {
  model: M;
  header: ModelHeader;
}

export function decodeModel(bytes: Uint8Array, source = '<bytes>'): LoadedModel {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  return buildModel(tensors, metadata, source);
}

function buildModel(tensors: Record<string, SafeTensor>, metadata: Record<string, string>, source: string): LoadedModel {
  const header = parseHeader(metadata, source);
  const build = builders.get(header.kind);
  if (!build) throw new Error(`${source}: unknown model kind '${header.kind}' (known: ${[...builders.keys()].join(', ')})`);
  let model: Module;
  try {
    model = build(header.config, source);
  } catch (e) {
    throw new Error(`${source}: invalid model config: ${(e as Error).message}`);
  }
  const state = new Map<string, Tensor>();
  for (const [name, st] of Object.entries(tensors)) {
    for (let i = 0; i < st.data.length; i++) {
      if (!Number.isFinite(st.data[i])) throw new Error(`${source}: corrupt weights: tensor '${name}' ${fmtShape(st.shape)} holds ${st.data[i]} at element ${i}`);
    }
    state.set(name, new Tensor(st.data, st.shape));
  }
  const dtypes = new Set(Object.values(tensors).map((t) => t.dtype));
  const want: DType | undefined = (header.config as { dtype?: DType }).dtype;
  if (want && dtypes.size && ![...dtypes].every((d) => (d === 'F64') === (want === 'float64'))) {
    throw new Error(`${source}: weights are ${[...dtypes].join('/')} but the config says ${want}`);
  }
  for (const [name, t] of model.namedTensors()) {
    const st = tensors[name];
    if (st && (st.dtype === 'F64') !== (t.dtype === 'float64')) {
      throw new Error(`${source}: tensor '${name}' is ${st.dtype} but the model is ${t.dtype}`);
    }
  }
  model.loadStateDict(state, source);
  model.eval();
  return { model, header };
}

export function loadModelFile(path: string): LoadedModel {
  const { tensors, metadata } = readSafetensors(path);
  return buildModel(tensors, metadata, path);
}

/**
 * Loads a model file. `part: 'encoder' | 'decoder'` returns just that half of an autoencoder, a module of its
 * own (`encode`-only deployments need not keep the decoder around).
 */
export function loadModel(path: string): Module;
export function loadModel(path: string, opts: { part: 'encoder' | 'decoder' }): Sequential;
export function loadModel(path: string, opts: { part?: 'encoder' | 'decoder' } = {}): Module {
  const { model } = loadModelFile(path);
  if (!opts.part) return model;
  const part = (model as unknown as Record<string, unknown>)[opts.part];
  if (!part || typeof part !== 'object') throw new Error(`${path}: a ${model.constructor.name} has no ${opts.part}`);
  return part as Sequential;
}

/** Loads a file that must hold an Autoencoder. */
export function loadAutoencoder(path: string): Autoencoder {
  const { model } = loadModelFile(path);
  if (!(model instanceof Autoencoder)) throw new Error(`${path}: expected an Autoencoder model, found ${model.constructor.name}`);
  return model;
}
