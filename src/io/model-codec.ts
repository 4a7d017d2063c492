/**
 * The model file's format: one .safetensors file. Weights are tensors named by module path (`encoder.layers.0.weight`);
 * aekit's own config goes, as JSON, into the safetensors `__metadata__` map under the key "aekit":
 *
 *   { "aekit_format": 1, "kind": "Autoencoder", "config": {...}, "training": {...}, "tensors_crc32": 305419896 }
 *
 * `tensors_crc32` is the CRC-32 (data/crc32.ts) of every tensor's little-endian bytes, tensors taken in the
 * code-point order of their names: a flipped bit in a weight fails the load (AekitError E_CHECKSUM) instead of
 * loading a slightly different model. Files written before it existed have none and load unchecked.
 * Element types: only float32 and float64; a config naming another dtype anywhere ("float16") is refused.
 * Every error is an AekitError (errors.ts) with a code.
 *
 * Python's `safetensors.safe_open(path, "pt")` reads every weight, and aekit rebuilds the model from the one
 * file. Writes are atomic; on load every field is validated and every weight checked finite.
 */
import { crc32 } from '../data/crc32.js';
import { AekitError, asAekitError } from '../errors.js';
import type { DType } from '../kernels/types.js';
import { checkDataInfo, type DataInfo } from '../data/info.js';
import { type PreprocessMethod, Preprocessing } from '../data/preprocess.js';
import type { AutoencoderModel } from '../models/model.js';
import type { Module } from '../nn/module.js';
import { fmtShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { autoencoderKinds, isAutoencoderModel, modelKind } from './kinds.js';
import { compareCodePoints, decodeSafetensors, encodeSafetensors, type SafeTensor } from './safetensors.js';

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
  /** CRC-32 of the tensors (tensorsCrc32); absent in files written before aekit kept one. */
  tensors_crc32?: number;
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
  header.tensors_crc32 = tensorsCrc32(tensors);
  return encodeSafetensors(tensors, { aekit: JSON.stringify(header) });
}

/**
 * The CRC-32 of the tensors' bytes, tensors in the code-point order of their names (the order does not depend on
 * how a writer lays them out). Typed arrays are read as they lie in memory: little-endian on every platform aekit
 * runs on (Node and browsers), which is the byte order of the file.
 */
export function tensorsCrc32(tensors: Record<string, SafeTensor>): number {
  let crc = 0;
  for (const name of Object.keys(tensors).sort(compareCodePoints)) {
    const d = tensors[name].data;
    crc = crc32(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), crc);
  }
  return crc;
}

/** Checks the stored checksum, when the header has one. */
export function checkTensorsCrc32(header: { tensors_crc32?: unknown }, tensors: Record<string, SafeTensor>, source: string): void {
  const stored = header.tensors_crc32;
  if (stored === undefined) return;
  if (typeof stored !== 'number' || !Number.isInteger(stored) || stored < 0 || stored > 0xffffffff) {
    throw new AekitError(`${source}: the aekit metadata's tensors_crc32 must be an unsigned 32-bit integer, got ${JSON.stringify(stored)}`);
  }
  const actual = tensorsCrc32(tensors);
  if (actual !== stored) {
    const hex = (v: number): string => v.toString(16).padStart(8, '0');
    throw new AekitError(`${source}: checksum mismatch: the weights' CRC-32 is ${hex(actual)} but the file records ${hex(stored)} (damaged file)`, 'E_CHECKSUM');
  }
}

/** Every `dtype` anywhere in a config (a layer's, a wrapped autoencoder's) must be one aekit computes in. */
export function checkConfigDtypes(config: unknown, source: string, path = 'config'): void {
  if (typeof config !== 'object' || config === null) return;
  for (const [k, v] of Object.entries(config)) {
    if (k === 'dtype' && v !== undefined && v !== 'float32' && v !== 'float64') {
      throw new AekitError(`${source}: ${path}.dtype is ${JSON.stringify(v)}; aekit computes in float32 or float64 only`, 'E_DTYPE');
    }
    checkConfigDtypes(v, source, Array.isArray(config) ? `${path}[${k}]` : `${path}.${k}`);
  }
}

/**
 * A bound on what building the config may allocate, checked before building: a weight matrix is [a, b] for two of
 * the config's sizes, and the file must hold its a * b values, so a config whose two largest integers multiply to
 * far more than the file's elements is corrupt (a bit flipped in `inputDim`) and would otherwise allocate
 * gigabytes before the weights are compared. Seeds are not sizes. Loose on purpose (x64, plus 4M values for sizes
 * that shape no weight: an image's height and width, a sequence's length).
 */
export function checkConfigSizes(config: unknown, elements: number, source: string): void {
  const ints: number[] = [];
  const walk = (v: unknown, key: string): void => {
    if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= 2 && !/seed/i.test(key)) ints.push(v);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) walk(x, Array.isArray(v) ? key : k);
    }
  };
  walk(config, '');
  ints.sort((a, b) => b - a);
  const [a = 1, b = 1] = ints;
  if (a * b > 64 * elements + (1 << 22)) {
    throw new AekitError(`${source}: the config's sizes (${a} x ${b}) need far more weights than the file's ${elements} values: corrupt config`, 'E_TOO_LARGE');
  }
}


export function parseHeader(metadata: Record<string, string>, source: string): ModelHeader {
  const raw = metadata.aekit;
  if (raw === undefined) throw new AekitError(`${source}: not an aekit model file (no "aekit" entry in the safetensors metadata)`);
  let h: unknown;
  try {
    h = JSON.parse(raw);
  } catch (e) {
    throw new AekitError(`${source}: the aekit metadata is not valid JSON (${(e as Error).message})`);
  }
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw new AekitError(`${source}: the aekit metadata is not a JSON object`);
  const o = h as Record<string, unknown>;
  if (o.aekit_format !== AEKIT_FORMAT) {
    throw new AekitError(`${source}: unsupported aekit_format ${JSON.stringify(o.aekit_format)} (this version reads format ${AEKIT_FORMAT})`, 'E_UNSUPPORTED');
  }
  if (typeof o.kind !== 'string') throw new AekitError(`${source}: the aekit metadata has no model 'kind'`);
  if (typeof o.config !== 'object' || o.config === null) throw new AekitError(`${source}: the aekit metadata has no model 'config'`);
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
  checkTensorsCrc32(header, tensors, source);
  checkConfigDtypes(header.config, source);
  checkConfigSizes(header.config, Object.values(tensors).reduce((n, t) => n + t.data.length, 0), source);
  const kind = asAekitError('E_FORMAT', () => modelKind(header.kind, source));
  let model: Module;
  try {
    model = kind.build(header.config, source);
  } catch (e) {
    if (e instanceof RangeError || e instanceof AekitError) throw e;
    throw new AekitError(`${source}: invalid model config: ${(e as Error).message}`, 'E_FORMAT', { cause: e });
  }
  const state = new Map<string, Tensor>();
  for (const [name, st] of Object.entries(tensors)) {
    for (let i = 0; i < st.data.length; i++) {
      if (!Number.isFinite(st.data[i])) throw new AekitError(`${source}: corrupt weights: tensor '${name}' ${fmtShape(st.shape)} holds ${st.data[i]} at element ${i}`, 'E_VALUE');
    }
    if (!name.startsWith(PREP)) state.set(name, new Tensor(st.data, st.shape));
  }
  const data = header.data === undefined ? null : asAekitError('E_FORMAT', () => checkDataInfo(header.data, source));
  const preprocessing = readPreprocessing(header, tensors, source);
  const dtypes = new Set(Object.entries(tensors).filter(([name]) => !name.startsWith(PREP)).map(([, t]) => t.dtype));
  const want: DType | undefined = (header.config as { dtype?: DType }).dtype;
  if (want && dtypes.size && ![...dtypes].every((d) => (d === 'F64') === (want === 'float64'))) {
    throw new AekitError(`${source}: weights are ${[...dtypes].join('/')} but the config says ${want}`, 'E_DTYPE');
  }
  for (const [name, t] of model.namedTensors()) {
    const st = tensors[name];
    if (st && (st.dtype === 'F64') !== (t.dtype === 'float64')) {
      throw new AekitError(`${source}: tensor '${name}' is ${st.dtype} but the model is ${t.dtype}`, 'E_DTYPE');
    }
  }
  asAekitError('E_FORMAT', () => model.loadStateDict(state, source));
  model.eval();
  return { model, header, data, preprocessing };
}

function readPreprocessing(header: ModelHeader, tensors: Record<string, SafeTensor>, source: string): Preprocessing | null {
  if (header.preprocessing === undefined) return null;
  const vec = (name: string): Float64Array | null => {
    const t = tensors[`${PREP}${name}`];
    if (!t) return null;
    if (t.shape.length !== 1) throw new AekitError(`${source}: tensor '${PREP}${name}' must be a vector, got ${fmtShape(t.shape)}`);
    return Float64Array.from(t.data);
  };
  const shift = vec('shift'), scale = vec('scale');
  if (!shift || !scale) throw new AekitError(`${source}: the preprocessing has no shift or scale tensor`);
  try {
    return new Preprocessing({ method: header.preprocessing.method, shift, scale, fill: vec('fill') });
  } catch (e) {
    if (e instanceof RangeError) throw e;
    throw new AekitError(`${source}: ${(e as Error).message}`, 'E_FORMAT', { cause: e });
  }
}


/** `loaded` as an autoencoder of any kind, or an error naming what it holds instead. */
export function asAutoencoder(loaded: LoadedModel, source: string): LoadedModel<AutoencoderModel> {
  if (!isAutoencoderModel(loaded.model)) {
    throw new AekitError(`${source}: holds a model of kind '${loaded.header.kind}', not an autoencoder (kinds: ${autoencoderKinds().join(', ')})`);
  }
  return loaded as LoadedModel<AutoencoderModel>;
}

/** The bytes of a model file holding an autoencoder (a file a page was given), with its data info and preprocessing. */
export function decodeAutoencoderModel(bytes: Uint8Array, source = '<bytes>'): LoadedModel<AutoencoderModel> {
  return asAutoencoder(decodeModel(bytes, source), source);
}
