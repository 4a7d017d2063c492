/**
 * A checkpoint (train/checkpoint.ts) as bytes: one safetensors file. The model's tensors are named
 * `weights/<module path>`; every other typed array (optimizer slots, EarlyStopping's best weights) is a tensor
 * named by its path in the checkpoint (`optimizer/slots/encoder.layers.0.weight/0`); the rest is JSON under the
 * metadata key "aekit_checkpoint", where an array is `{"$tensor": name}` and a number JSON cannot hold
 * (Infinity, NaN, -0) is `{"$number": "Infinity"}`. Every float round-trips bit for bit. The metadata key
 * "aekit_checkpoint_crc32" holds the CRC-32 of that JSON text followed by every tensor's bytes (in name order, as
 * the model file's tensors_crc32), so a flipped bit anywhere is an error (AekitError E_CHECKSUM), not a resumed
 * run on wrong numbers. Every malformed input is an AekitError (E_FORMAT, E_CHECKSUM, E_UNSUPPORTED, E_VALUE).
 *
 * Runs in browsers (no Node import): a page can keep the bytes of memoryCheckpointStore() wherever it likes;
 * io/checkpoint-file.ts is the directory store.
 */
import { crc32 } from '../data/crc32.js';
import { AekitError, toAekitError } from '../errors.js';
import { CHECKPOINT_FORMAT, type Checkpoint, type CheckpointName, type CheckpointStore, loadWeights } from '../train/checkpoint.js';
import type { Module } from '../nn/module.js';
import { modelKind } from './kinds.js';
import { tensorsCrc32 } from './model-codec.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from './safetensors.js';

export const CHECKPOINT_KEY = 'aekit_checkpoint';
const CRC_KEY = 'aekit_checkpoint_crc32';
/** Deeper JSON than any checkpoint has is refused before recursing (a hostile file must not overflow the stack). */
const MAX_DEPTH = 64;

const checksum = (json: string, tensors: Record<string, SafeTensor>): number => crc32(new TextEncoder().encode(json), tensorsCrc32(tensors));
const WEIGHTS = 'weights/';

type Floats = Float32Array | Float64Array;

const safe = (data: Floats, shape: number[]): SafeTensor => ({ dtype: data instanceof Float64Array ? 'F64' : 'F32', shape, data });

export function encodeCheckpoint(ck: Checkpoint): Uint8Array {
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, w] of Object.entries(ck.weights)) tensors[WEIGHTS + name] = safe(w.data, [...w.shape]);
  const walk = (v: unknown, path: string): unknown => {
    if (v instanceof Float32Array || v instanceof Float64Array) {
      if (tensors[path]) throw new Error(`checkpoint: two arrays named '${path}'`);
      tensors[path] = safe(v, [v.length]);
      return { $tensor: path };
    }
    if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : { $number: Object.is(v, -0) ? '-0' : String(v) };
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}/${i}`));
    if (v !== null && typeof v === 'object') {
      if (ArrayBuffer.isView(v)) throw new Error(`checkpoint: '${path}' is a ${v.constructor.name}; only Float32Array and Float64Array are kept`);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, path ? `${path}/${k}` : k)]));
    }
    return v;
  };
  const { weights, ...rest } = ck;
  const json = JSON.stringify(walk({ ...rest, weights: Object.keys(weights) }, ''));
  return encodeSafetensors(tensors, { [CHECKPOINT_KEY]: json, [CRC_KEY]: String(checksum(json, tensors)) });
}

/** A checkpoint from its bytes; anything malformed or damaged is an AekitError naming `source`. */
export function decodeCheckpoint(bytes: Uint8Array, source = '<bytes>'): Checkpoint {
  try {
    return decode(bytes, source);
  } catch (e) {
    throw toAekitError(e, 'E_FORMAT');
  }
}

function decode(bytes: Uint8Array, source: string): Checkpoint {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const raw = metadata[CHECKPOINT_KEY];
  if (raw === undefined) throw new AekitError(`${source}: not an aekit checkpoint (no "${CHECKPOINT_KEY}" entry in the safetensors metadata)`);
  const stored = metadata[CRC_KEY];
  if (stored === undefined || !/^\d{1,10}$/.test(stored)) throw new AekitError(`${source}: the checkpoint has no valid "${CRC_KEY}" entry`);
  const actual = checksum(raw, tensors);
  if (actual !== Number(stored)) {
    throw new AekitError(`${source}: checksum mismatch: the checkpoint's CRC-32 is ${actual.toString(16).padStart(8, '0')} but the file records ${Number(stored).toString(16).padStart(8, '0')} (damaged file)`, 'E_CHECKSUM');
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new AekitError(`${source}: the checkpoint metadata is not valid JSON (${(e as Error).message})`);
  }
  const used = new Set<string>();
  const unwalk = (v: unknown, depth = 0): unknown => {
    if (depth > MAX_DEPTH) throw new AekitError(`${source}: the checkpoint metadata nests deeper than ${MAX_DEPTH} levels`);
    if (Array.isArray(v)) return v.map((x) => unwalk(x, depth + 1));
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && typeof o.$tensor === 'string') {
      const t = tensors[o.$tensor];
      if (!t || o.$tensor.startsWith(WEIGHTS) || used.has(o.$tensor)) throw new AekitError(`${source}: the checkpoint refers to a missing or shared tensor '${o.$tensor}'`);
      used.add(o.$tensor);
      return t.data;
    }
    if (keys.length === 1 && typeof o.$number === 'string') {
      const n = o.$number === '-0' ? -0 : Number(o.$number);
      if (!['Infinity', '-Infinity', 'NaN', '-0'].includes(o.$number)) throw new AekitError(`${source}: bad number ${JSON.stringify(o.$number).slice(0, 40)} in the checkpoint`);
      return n;
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) Object.defineProperty(out, k, { value: unwalk(o[k], depth + 1), enumerable: true, writable: true, configurable: true });
    return out;
  };
  const m = unwalk(json) as Record<string, unknown>;
  const fail = (what: string): never => { throw new AekitError(`${source}: corrupt checkpoint: ${what}`); };
  if (m !== null && typeof m === 'object' && typeof m.format === 'number' && m.format !== CHECKPOINT_FORMAT) {
    throw new AekitError(`${source}: checkpoint format ${m.format} (this version reads ${CHECKPOINT_FORMAT})`, 'E_UNSUPPORTED');
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m)) fail('the metadata is not an object');
  if (m.format !== CHECKPOINT_FORMAT) fail(`format ${JSON.stringify(m.format)} (this version reads ${CHECKPOINT_FORMAT})`);
  const obj = (k: string): Record<string, unknown> => {
    const v = m[k];
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`'${k}' is not an object`);
    return v as Record<string, unknown>;
  };
  for (const k of ['spec', 'optimizer', 'position', 'history', 'extra']) obj(k);
  if (!Array.isArray(m.callbacks)) fail("'callbacks' is not a list");
  if (!Array.isArray(m.weights) || !m.weights.every((n) => typeof n === 'string')) fail("'weights' is not a list of names");
  const pos = obj('position');
  for (const k of ['epoch', 'batch', 'samples', 'steps']) if (!Number.isInteger(pos[k]) || (pos[k] as number) < 0) fail(`position.${k} is ${JSON.stringify(pos[k])}`);
  if (typeof pos.lossSum !== 'number') fail('position.lossSum is not a number');
  const isStream = (v: unknown): boolean => {
    const r = v as { words?: unknown; spare?: unknown } | null;
    const words = r?.words;
    return Array.isArray(words) && words.length === 4 && words.every((w) => Number.isInteger(w) && w >= -2147483648 && w <= 4294967295) && (r!.spare === null || typeof r!.spare === 'number');
  };
  for (const k of ['shuffle', 'noise']) if (!isStream(pos[k])) fail(`position.${k} is not a random stream's state`);
  // Absent in checkpoints written before layers' own streams (Dropout) were saved.
  if (pos.modules !== undefined && !(Array.isArray(pos.modules) && pos.modules.every(isStream))) fail('position.modules is not a list of random stream states');
  const hist = obj('history');
  for (const k of ['epoch', 'loss', 'valLoss']) if (!Array.isArray(hist[k]) || !(hist[k] as unknown[]).every((x) => typeof x === 'number')) fail(`history.${k} is not a list of numbers`);
  if (!(hist.stopReason === null || typeof hist.stopReason === 'string')) fail('history.stopReason is not a string or null');
  if (!(m.bestValLoss === null || typeof m.bestValLoss === 'number')) fail('bestValLoss is not a number or null');
  if (!(m.model === null || (typeof m.model === 'object' && typeof (m.model as { kind?: unknown }).kind === 'string' && typeof (m.model as { config?: unknown }).config === 'object'))) fail("'model' is not a kind and config");
  if (!Object.values(obj('spec')).every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) fail('a spec field is not a plain value');
  if (!(m.callbacks as unknown[]).every((c) => c !== null && typeof c === 'object' && typeof (c as { name?: unknown }).name === 'string')) fail('a callback state has no name');
  const opt = obj('optimizer');
  if (typeof opt.config !== 'object' || opt.config === null || typeof opt.lr !== 'number' || !Number.isInteger(opt.iterations)) fail('the optimizer state has no config, lr or iterations');
  if (typeof opt.slots !== 'object' || opt.slots === null || typeof opt.steps !== 'object' || opt.steps === null) fail('the optimizer state has no slots or steps');
  for (const [name, list] of Object.entries(opt.slots as Record<string, unknown>)) {
    if (!Array.isArray(list) || !list.every((a) => a instanceof Float32Array || a instanceof Float64Array)) fail(`the optimizer slots of '${name}' are not arrays`);
  }
  if (!Object.values(opt.steps as Record<string, unknown>).every((n) => Number.isInteger(n))) fail('an optimizer step count is not an integer');
  const weights: Checkpoint['weights'] = {};
  for (const name of m.weights as string[]) {
    const t = tensors[WEIGHTS + name];
    if (!t) fail(`no tensor for weight '${name}'`);
    weights[name] = { shape: [...t.shape], data: t.data };
    used.add(WEIGHTS + name);
  }
  for (const name of Object.keys(tensors)) if (!used.has(name)) fail(`tensor '${name}' is not referred to`);
  return { ...(m as unknown as Checkpoint), weights };
}

/** A fresh model of the checkpoint's kind and config with its weights: what a new process resumes with. */
export function modelFromCheckpoint(ck: Checkpoint, source = 'checkpoint'): Module {
  if (!ck.model) throw new Error(`${source}: the checkpoint does not record a model kind (it was written by fit on a bare Module)`);
  const kind = modelKind(ck.model.kind, source);
  let model: Module;
  try {
    model = kind.build(ck.model.config as Record<string, unknown>, source);
  } catch (e) {
    throw new Error(`${source}: invalid model config: ${(e as Error).message}`);
  }
  loadWeights(model, ck.weights, source);
  return model;
}

/** A store that keeps each checkpoint's bytes in memory (`bytes`): for tests, or a page that persists them itself. */
export function memoryCheckpointStore(where = 'memory'): CheckpointStore & { bytes: Map<CheckpointName, Uint8Array> } {
  const bytes = new Map<CheckpointName, Uint8Array>();
  return {
    where, bytes,
    save: (name, ck) => { bytes.set(name, encodeCheckpoint(ck)); },
    load: (name) => {
      const b = bytes.get(name);
      return b ? decodeCheckpoint(b, `${where} (${name})`) : null;
    },
  };
}
