/**
 * The model file's format: one .safetensors file. Weights are tensors named by module path (`encoder.layers.0.weight`);
 * aekit's own config goes, as JSON, into the safetensors `__metadata__` map under the key "aekit":
 *
 *   { "aekit_format": 1, "kind": "Autoencoder", "config": {...}, "training": {...} }
 *
 * Python's `safetensors.safe_open(path, "pt")` reads every weight, and aekit rebuilds the model from the one
 * file. Writes are atomic; on load every field is validated and every weight checked finite.
 */
import type { DType } from '../kernels/types.js';
import { checkDataInfo, type DataInfo } from '../data/info.js';
import { type PreprocessMethod, Preprocessing } from '../data/preprocess.js';
import type { AutoencoderModel } from '../models/model.js';
import type { Module } from '../nn/module.js';
import { fmtShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { autoencoderKinds, isAutoencoderModel, modelKind } from './kinds.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from './safetensors.js';

export { registerModelKind } from './kinds.js';

export const AEKIT_FORMAT = 1;

export interface ModelHeader {
  aekit_format: number;
  kind: string;
  config: Record<string, unknown>;
  /** Free-form training summary (history, data, timings), written by the CLI. */
  training?: Record<string, unknown>;
  /** What the model was trained on (data/info.ts): kind, sample shape, feature and class names, columns. */
  data?: DataInfo;
  /** The preprocessing method; its vectors are the tensors `preprocessing.shift`, `.scale` and `.fill`. */
  preprocessing?: { method: PreprocessMethod };
}

export interface SavableModel extends Module {
  modelConfig(): { kind: string; config: object };
}

/** What a model file holds besides the model: the data it was trained on and the preprocessing to feed it. */
export interface ModelExtras {
  data?: DataInfo | null;
  preprocessing?: Preprocessing | null;
}

/** Tensors of the preprocessing, named apart from the model's own (whose names come from its object tree). */
const PREP = 'preprocessing.';

function toSafe(t: Tensor): SafeTensor {
  return { dtype: t.dtype === 'float64' ? 'F64' : 'F32', shape: [...t.shape], data: t.toTypedArray() };
}

export function encodeModel(model: SavableModel, training?: Record<string, unknown>, extras: ModelExtras = {}): Uint8Array {
  const { kind, config } = model.modelConfig();
  const header: ModelHeader = { aekit_format: AEKIT_FORMAT, kind, config: config as Record<string, unknown> };
  if (training) header.training = training;
  if (extras.data) header.data = extras.data;
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, t] of model.namedTensors()) tensors[name] = toSafe(t);
  const prep = extras.preprocessing;
  if (prep) {
    header.preprocessing = { method: prep.method };
    const vec = (v: Float64Array): SafeTensor => ({ dtype: 'F64', shape: [v.length], data: v });
    tensors[`${PREP}shift`] = vec(prep.shift);
    tensors[`${PREP}scale`] = vec(prep.scale);
    if (prep.fill) tensors[`${PREP}fill`] = vec(prep.fill);
  }
  return encodeSafetensors(tensors, { aekit: JSON.stringify(header) });
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
  /** What the model was trained on, or null (files written before aekit kept it). */
  data: DataInfo | null;
  /** The saved preprocessing, or null (files written before aekit kept it). */
  preprocessing: Preprocessing | null;
}

export function decodeModel(bytes: Uint8Array, source = '<bytes>'): LoadedModel {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  return buildModel(tensors, metadata, source);
}

/** Rebuilds a model from decoded safetensors contents (what decodeModel and loadModelFile share). */
export function buildModel(tensors: Record<string, SafeTensor>, metadata: Record<string, string>, source: string): LoadedModel {
  const header = parseHeader(metadata, source);
  const kind = modelKind(header.kind, source);
  let model: Module;
  try {
    model = kind.build(header.config, source);
  } catch (e) {
    throw new Error(`${source}: invalid model config: ${(e as Error).message}`);
  }
  const state = new Map<string, Tensor>();
  for (const [name, st] of Object.entries(tensors)) {
    for (let i = 0; i < st.data.length; i++) {
      if (!Number.isFinite(st.data[i])) throw new Error(`${source}: corrupt weights: tensor '${name}' ${fmtShape(st.shape)} holds ${st.data[i]} at element ${i}`);
    }
    if (!name.startsWith(PREP)) state.set(name, new Tensor(st.data, st.shape));
  }
  const data = header.data === undefined ? null : checkDataInfo(header.data, source);
  const preprocessing = readPreprocessing(header, tensors, source);
  const dtypes = new Set(Object.entries(tensors).filter(([name]) => !name.startsWith(PREP)).map(([, t]) => t.dtype));
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
  return { model, header, data, preprocessing };
}

function readPreprocessing(header: ModelHeader, tensors: Record<string, SafeTensor>, source: string): Preprocessing | null {
  if (header.preprocessing === undefined) return null;
  const vec = (name: string): Float64Array | null => {
    const t = tensors[`${PREP}${name}`];
    if (!t) return null;
    if (t.shape.length !== 1) throw new Error(`${source}: tensor '${PREP}${name}' must be a vector, got ${fmtShape(t.shape)}`);
    return Float64Array.from(t.data);
  };
  const shift = vec('shift'), scale = vec('scale');
  if (!shift || !scale) throw new Error(`${source}: the preprocessing has no shift or scale tensor`);
  try {
    return new Preprocessing({ method: header.preprocessing.method, shift, scale, fill: vec('fill') });
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
}


/** `loaded` as an autoencoder of any kind, or an error naming what it holds instead. */
export function asAutoencoder(loaded: LoadedModel, source: string): LoadedModel<AutoencoderModel> {
  if (!isAutoencoderModel(loaded.model)) {
    throw new Error(`${source}: holds a model of kind '${loaded.header.kind}', not an autoencoder (kinds: ${autoencoderKinds().join(', ')})`);
  }
  return loaded as LoadedModel<AutoencoderModel>;
}

/** The bytes of a model file holding an autoencoder (a file a page was given), with its data info and preprocessing. */
export function decodeAutoencoderModel(bytes: Uint8Array, source = '<bytes>'): LoadedModel<AutoencoderModel> {
  return asAutoencoder(decodeModel(bytes, source), source);
}
