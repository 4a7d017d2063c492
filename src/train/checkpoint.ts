/**
 * Checkpoints: everything `fit` needs to continue a run so that it ends in the very bits an uninterrupted run
 * ends in. A Checkpoint is plain data (typed arrays inside), so this file and fit stay browser-safe; where the
 * bytes go is a CheckpointStore's business (io/checkpoint.ts encodes one safetensors file; io/checkpoint-file.ts
 * keeps `last` and `best` in a directory, Node only).
 *
 * Bit-exactness rests on three things being saved, not recomputed: the weights and buffers, the optimizer's
 * slots and step counts, and each random stream's state. The shuffle is saved as it was at the start of the
 * epoch in progress, so a resumed run draws that epoch's order again and skips the batches already trained.
 *
 * `spec` is a flat record of everything that changes the numbers (model config, batch size, optimizer, loss,
 * seed, the data's size, shape and a content hash): resuming compares it field by field and names what differs.
 */
import { Dataset } from '../data/dataset.js';
import { StreamedData } from '../data/stream.js';
import type { Module } from '../nn/module.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { Rng, RngState } from '../tensor/rng.js';

export const CHECKPOINT_FORMAT = 1;

export type CheckpointName = 'last' | 'best';
export type SpecValue = string | number | boolean | null;

/** Where a run stood: epoch in progress (0-based), batches of it trained, and its loss sum so far. */
export interface CheckpointPosition {
  epoch: number;
  batch: number;
  /** Sum of batch loss * batch size over the trained batches of this epoch, and their sample count. */
  lossSum: number;
  samples: number;
  /** Optimizer steps (batches) taken in the whole run: what `every: N` counts. */
  steps: number;
  /** The shuffle stream at the start of this epoch (its order is drawn again on resume). */
  shuffle: RngState;
  /** The noise stream (corruption, the VAE's sampling) as it is now. */
  noise: RngState;
  /** The model's own streams (Module.randomStreams, e.g. Dropout's masks) as they are now, in module order. */
  modules?: RngState[];
}

export interface Checkpoint {
  format: number;
  /** The model's kind and config (its modelConfig()), so a new process can rebuild it; null for a bare Module. */
  model: { kind: string; config: object } | null;
  spec: Record<string, SpecValue>;
  /** Every tensor of the model (parameters and buffers) by module path. */
  weights: Record<string, { shape: number[]; data: Float32Array | Float64Array }>;
  optimizer: OptimizerState;
  position: CheckpointPosition;
  history: { epoch: number[]; loss: number[]; valLoss: number[]; stopReason: string | null };
  /** Lowest validation loss so far (what `best` holds), or null. */
  bestValLoss: number | null;
  /** States of the stateful callbacks, in order, with their class names. */
  callbacks: { name: string; state: unknown }[];
  /** What a model that trains in parts records (StackedAutoencoder: the stage and the finished stages). */
  extra: Record<string, unknown>;
}

/** Where checkpoints are kept. `save` must replace the previous one atomically (a crash leaves old or new). */
export interface CheckpointStore {
  /** For messages, e.g. the directory. */
  readonly where: string;
  save(name: CheckpointName, checkpoint: Checkpoint): void | Promise<void>;
  /** The saved checkpoint, or null when there is none. */
  load(name: CheckpointName): Checkpoint | null | Promise<Checkpoint | null>;
}

export interface CheckpointOptions {
  store: CheckpointStore;
  /** 'epoch' (default): at each epoch end; N: every N optimizer steps. A stop (abort) always writes one. */
  every?: 'epoch' | number;
}

/** For a model trained in parts (a stacked autoencoder's stages): the whole model, and what a part adds. */
export interface CheckpointScope {
  /** The model whose tensors and config checkpoints hold (default: the module fit trains). */
  model?: Module;
  /** Saved as the checkpoint's `extra`. */
  extra?: Record<string, unknown>;
  /** Merged into the spec (e.g. { stage: 2 }), so a checkpoint of another part is refused. */
  spec?: Record<string, SpecValue>;
}

/** The checkpoint a `resume` option names: a Checkpoint as is, or a store's `last` (an error when it has none). */
export async function resolveResume(resume: CheckpointStore | Checkpoint): Promise<Checkpoint> {
  if (isCheckpoint(resume)) return resume;
  const ck = await resume.load('last');
  if (!ck) throw new Error(`${resume.where}: no checkpoint to resume from`);
  return ck;
}

function isCheckpoint(v: CheckpointStore | Checkpoint): v is Checkpoint {
  return typeof (v as Checkpoint).format === 'number' && typeof (v as Checkpoint).spec === 'object';
}

/** Dotted fields of a JSON-like value: { a: { b: 1 }, c: [1, 2] } -> { 'p.a.b': 1, 'p.c': '[1,2]' }. */
export function flatSpec(prefix: string, v: unknown, out: Record<string, SpecValue> = {}): Record<string, SpecValue> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const k of Object.keys(v).sort()) flatSpec(`${prefix}.${k}`, (v as Record<string, unknown>)[k], out);
  } else if (v === undefined) {
    out[prefix] = null;
  } else if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null) {
    out[prefix] = v;
  } else {
    out[prefix] = JSON.stringify(v);
  }
  return out;
}

/** A 53-bit hash of 32-bit words (cyrb53's mixing), as 14 hex digits. */
export class WordHash {
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;
  add(words: Uint32Array): this {
    let { h1, h2 } = this;
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      h1 = Math.imul(h1 ^ w, 2654435761);
      h2 = Math.imul(h2 ^ w, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
    return this;
  }
  addFloats(a: Float32Array | Float64Array): this {
    return this.add(new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4));
  }
  hex(): string {
    let h1 = Math.imul(this.h1 ^ (this.h1 >>> 16), 2246822507) ^ Math.imul(this.h2 ^ (this.h2 >>> 13), 3266489909);
    const h2 = Math.imul(this.h2 ^ (this.h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    h1 >>>= 0;
    return (4294967296 * (2097151 & h2) + h1).toString(16).padStart(14, '0');
  }
}

/** Samples hashed per data set: evenly spaced, enough to tell data sets apart without reading them all. */
const HASHED_SAMPLES = 512;

/**
 * The spec fields of a data set: its size, sample shape and a hash of up to 512 evenly spaced samples (for
 * streamed data: three short ranges of the file, and its window size, which decides the batch order).
 */
export async function dataSpec(prefix: string, data: Dataset | StreamedData): Promise<Record<string, SpecValue>> {
  const h = new WordHash();
  const n = data.length;
  const out: Record<string, SpecValue> = { [`${prefix}.samples`]: n, [`${prefix}.sampleShape`]: `[${data.sampleShape.join(', ')}]` };
  if (data instanceof Dataset) {
    const k = Math.min(n, HASHED_SAMPLES);
    const idx = Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));
    h.addFloats(Float32Array.from(data.gather(idx)));
  } else {
    out[`${prefix}.streamed`] = true;
    out[`${prefix}.window`] = data.buffer;
    const r = Math.min(n, 16);
    for (const s of new Set([0, Math.floor((n - r) / 2), n - r])) h.addFloats(Float32Array.from(await data.stream.read(s, s + r)));
    const p = data.preprocessing;
    if (p) {
      out[`${prefix}.preprocessing`] = p.method;
      h.addFloats(p.shift).addFloats(p.scale);
    }
  }
  out[`${prefix}.hash`] = h.hex();
  return out;
}

const show = (v: SpecValue | undefined): string => (v === undefined || v === null ? 'none' : typeof v === 'string' && v.startsWith('[') ? v : JSON.stringify(v).replace(/^"(.*)"$/, '$1'));

/** Throws unless `ck` was written by a run with this spec, naming every field that differs. */
export function checkSpec(ck: Checkpoint, spec: Record<string, SpecValue>, where: string): void {
  if (ck.format !== CHECKPOINT_FORMAT) throw new Error(`${where}: checkpoint format ${ck.format}, this version reads ${CHECKPOINT_FORMAT}`);
  const diffs: string[] = [];
  const keys = [...new Set([...Object.keys(ck.spec), ...Object.keys(spec)])];
  // Fields both runs have first: another optimizer's name says more than the hyper-parameters only one has.
  keys.sort((a, b) => Number(!(a in ck.spec && a in spec)) - Number(!(b in ck.spec && b in spec)));
  for (const k of keys) {
    if (ck.spec[k] !== spec[k]) diffs.push(`${k} ${show(ck.spec[k])}, this run has ${show(spec[k])}`);
  }
  if (diffs.length) {
    const more = diffs.length > 4 ? ` (and ${diffs.length - 4} more)` : '';
    throw new Error(`${where}: cannot resume: the checkpoint was written with ${diffs.slice(0, 4).join('; with ')}${more}`);
  }
}

/** Copies of every tensor of `model`, by path. */
export function weightsOf(model: Module): Checkpoint['weights'] {
  const out: Checkpoint['weights'] = {};
  for (const [name, t] of model.namedTensors()) out[name] = { shape: [...t.shape], data: t.toTypedArray() as Float32Array | Float64Array };
  return out;
}

/** Writes saved tensors into `model` (every tensor, same names, sizes and dtypes, or an error and no change). */
export function loadWeights(model: Module, weights: Checkpoint['weights'], where: string): void {
  const mine = model.namedTensors();
  const names = new Set(mine.map(([n]) => n));
  for (const n of Object.keys(weights)) if (!names.has(n)) throw new Error(`${where}: the checkpoint holds tensor '${n}', which the model does not have`);
  for (const [n, t] of mine) {
    const w = weights[n];
    if (!w) throw new Error(`${where}: the checkpoint has no tensor '${n}'`);
    if (w.data.length !== t.size) throw new Error(`${where}: tensor '${n}' has ${w.data.length} values in the checkpoint, ${t.size} in the model`);
    if ((w.data instanceof Float64Array) !== (t.dtype === 'float64')) throw new Error(`${where}: tensor '${n}' is ${w.data instanceof Float64Array ? 'float64' : 'float32'} in the checkpoint, ${t.dtype} in the model`);
  }
  for (const [n, t] of mine) t.data.set(weights[n].data, t.offset);
}

function streamsOf(model: Module): Rng[] {
  return model.modules().flatMap((m) => m.randomStreams());
}

/** The states of the model's own random streams (Module.randomStreams), in module order. */
export function moduleStreams(model: Module): RngState[] {
  return streamsOf(model).map((r) => r.getState());
}

/**
 * Checks that a checkpoint holds a state for each of the model's own random streams, and returns what sets
 * them: called before anything is loaded, so a refused resume changes nothing.
 */
export function moduleStreamsLoader(model: Module, states: RngState[] | undefined, where: string): () => void {
  const streams = streamsOf(model), saved = states ?? [];
  if (saved.length !== streams.length) {
    throw new Error(`${where}: the checkpoint holds ${saved.length} random stream(s) of the model's layers (Dropout), the model has ${streams.length}: resuming would draw other masks`);
  }
  return () => streams.forEach((r, i) => r.setState(saved[i]));
}
