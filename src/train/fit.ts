/**
 * The training loop. `fit` is sugar over the level-3 loop every user can write by hand:
 *
 *   const { value, grads } = valueAndGrad(() => mse(model.forward(x), x), model.parameters());
 *   optimizer.step(grads);
 *
 * It adds batching with a seeded shuffle, validation, callbacks, early stopping and AbortSignal support, and
 * lets the caller replace the step (`step`) or corrupt the inputs (`corrupt`, for denoising).
 *
 * Checkpoints (train/checkpoint.ts): `checkpoint: { store, every }` saves the run's whole state (weights,
 * optimizer slots and step counts, the shuffle and noise streams, epoch and batch, history, stateful callbacks
 * such as EarlyStopping, and a spec of the config and data) at each epoch end or every N steps, and when a run
 * stops (abort) or ends; with validation data the epoch of lowest validation loss is also saved as `best`.
 * `resume: store` (its `last`) or `resume: checkpoint` continues such a run: training to the same `epochs`
 * then gives bit for bit the weights and history of the run that was never stopped. A checkpoint from a run
 * with another model config, batch size, optimizer, loss, seed or data is refused with what differs; `epochs`
 * and the callbacks may change. A store is an interface (save/load of a Checkpoint), so this file imports
 * nothing of Node: `checkpointDir(dir)` (io/checkpoint-file.ts, Node) keeps last.safetensors and
 * best.safetensors in a directory; `memoryCheckpointStore()` (io/checkpoint.ts) keeps the bytes in memory.
 */
import { valueAndGrad } from '../autograd/backward.js';
import { noGrad } from '../autograd/mode.js';
import { Dataset, splitValidation } from '../data/dataset.js';
import { StreamedData } from '../data/stream.js';
import { batchesPerEpoch, epochBatches } from './batches.js';
import { outputLoss, type SigmoidOutput } from '../losses/fused.js';
import { type LossName, lossFn } from '../losses/losses.js';
import type { Inputs } from '../data/inputs.js';
import type { Module } from '../nn/module.js';
import { getBackend, inArena } from '../kernels/registry.js';
import { makeOptimizer, Optimizer, type OptimizerName, type OptimizerOptions } from '../optim/index.js';
import type { Backend, DType } from '../kernels/types.js';
import { Rng } from '../tensor/rng.js';
import { Tensor, zeros } from '../tensor/tensor.js';
import { divergence, firstNonFinite } from './finite.js';
import { batchEnd, type Callback, loadCallbackStates, callbackStates, type TrainControl } from './callbacks.js';
import {
  type Checkpoint, CHECKPOINT_FORMAT, type CheckpointOptions, type CheckpointPosition, type CheckpointScope, type CheckpointStore,
  checkSpec, dataSpec, flatSpec, loadWeights, moduleStreams, moduleStreamsLoader, resolveResume, type SpecValue, weightsOf,
} from './checkpoint.js';

export type LossFunction = (pred: Tensor, target: Tensor) => Tensor;

/** What fit trains on: samples in memory, or streamed from disk (data/stream.ts). */
export type FitData = Inputs | StreamedData;

export interface StepContext {
  model: Module;
  optimizer: Optimizer;
  loss: LossFunction;
  rng: Rng;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  /** An optimizer instance, or a name built with `lr` (default 'adam'). */
  optimizer?: Optimizer | OptimizerName;
  lr?: number;
  /** Further options for a named optimizer (e.g. `{ style: 'keras' }` for RMSProp, `{ momentum: 0.9 }`). */
  optimizerOptions?: OptimizerOptions;
  loss?: LossName | LossFunction;
  /** Keras-style: the last fraction of the data (before shuffling) is held out for validation. */
  validationSplit?: number;
  validationData?: Inputs;
  shuffle?: boolean;
  /** Seeds the shuffling and any corruption noise. */
  seed?: number;
  callbacks?: Callback[];
  /** Aborting stops training cleanly after the current batch; the history says so. */
  signal?: AbortSignal;
  /** Replaces the default step (forward, loss, gradients, optimizer step); returns the batch loss. */
  step?: (batch: Tensor, ctx: StepContext) => number;
  /** Corrupts each input batch before the forward pass; the target stays the clean batch (denoising). */
  corrupt?: (batch: Tensor, rng: Rng) => Tensor;
  /** Saves checkpoints to a store (see the module comment). */
  checkpoint?: CheckpointOptions;
  /** Continues the run of a checkpoint: a store (its `last`) or a Checkpoint already read. */
  resume?: CheckpointStore | Checkpoint;
  /** The validation loss at each epoch end, in place of evaluateLoss over the validation data (the VAE's own terms). */
  validate?: () => number;
  /** For a model trained in parts (StackedAutoencoder's stages): see CheckpointScope. */
  checkpointScope?: CheckpointScope;
}

export interface History {
  /** 1-based numbers of the epochs that completed (as the CLI prints them; callbacks get 0-based indices). */
  epoch: number[];
  loss: number[];
  valLoss: number[];
  seconds: number;
  samplesPerSec: number;
  /** Why training ended before `epochs` (early stopping, abort, NaN loss), or null. */
  stopReason: string | null;
  optimizer: Record<string, unknown>;
}

export function toDataset(x: Inputs, what = 'data'): Dataset {
  if (x instanceof Dataset) return x;
  if (x instanceof Tensor) {
    if (x.ndim < 2) throw new Error(`${what} must be a tensor [samples, ...features], got rank ${x.ndim}`);
    const data = x.dtype === 'float32' ? (x.toTypedArray() as Float32Array) : Float32Array.from(x.toTypedArray());
    return Dataset.fromTyped(data, x.shape[0], x.shape.slice(1));
  }
  if (Array.isArray(x)) return Dataset.fromArrays(x);
  throw new Error(`${what} must be a Tensor, a Dataset or an array of rows`);
}

/** Where and in which dtype a model keeps its parameters: batches are built to match. */
export interface TensorPlace {
  dtype: DType;
  backend: Backend;
}

/** The place of a model's parameters (the current backend, float32, for a model without any). */
export function placeOf(model: Module): TensorPlace {
  const p = model.parameters()[0];
  return p ? { dtype: p.dtype, backend: p.backend } : { dtype: 'float32', backend: getBackend() };
}

/** The samples at `idx` as a tensor [n, ...sampleShape] in the given dtype, on the given backend. */
export function batchTensor(ds: Dataset, idx: ArrayLike<number>, place?: TensorPlace): Tensor {
  const t = zeros([idx.length, ...ds.sampleShape], place);
  if (t.data instanceof Float32Array) ds.gather(idx, t.data);
  else t.data.set(ds.gather(idx));
  return t;
}

function isStore(v: CheckpointStore | Checkpoint): v is CheckpointStore {
  return typeof (v as CheckpointStore).load === 'function';
}

/** What a checkpoint must match to be resumed by this run (see checkpoint.ts). */
async function runSpec(
  owner: Module, train: Dataset | StreamedData, val: Dataset | null, batchSize: number, optimizer: Optimizer,
  opts: FitOptions, lossName: LossName | null, extra: Record<string, SpecValue> = {},
): Promise<Record<string, SpecValue>> {
  const cfg = (owner as { modelConfig?: () => { kind: string; config: object } }).modelConfig?.();
  const model = cfg ? flatSpec('model', cfg) : { 'model.tensors': owner.namedTensors().map(([n, t]) => `${n}[${t.shape.join(',')}]${t.dtype}`).join(' ') };
  return {
    ...model,
    batchSize,
    ...flatSpec('optimizer', optimizer.config()),
    loss: lossName ?? 'a custom function',
    seed: opts.seed ?? 0,
    shuffle: opts.shuffle !== false,
    step: opts.step ? 'custom' : 'default',
    corrupt: opts.corrupt ? 'custom' : 'none',
    validationSplit: opts.validationSplit ?? null,
    ...(await dataSpec('data', train)),
    ...(val ? await dataSpec('validationData', val) : {}),
    ...extra,
  };
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer, got ${v}`);
  return v;
}

// Browsers have no setImmediate, and their setTimeout(0) waits at least 4 ms once timers nest (as a training
// loop's yields do): a MessageChannel message is the browser's way to yield without that wait.
let channel: { port1: { onmessage: (() => void) | null }; port2: { postMessage(m: null): void } } | null = null;
const pending: (() => void)[] = [];
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => {
  if (typeof setImmediate === 'function') return void setImmediate(resolve);
  const MC = (globalThis as unknown as { MessageChannel?: new () => NonNullable<typeof channel> }).MessageChannel;
  if (!MC) return void setTimeout(resolve, 0);
  if (!channel) {
    channel = new MC();
    channel.port1.onmessage = () => pending.shift()?.();
  }
  pending.push(resolve);
  channel.port2.postMessage(null);
});

/** Mean loss over a dataset, in batches, without recording gradients. */
export function evaluateLoss(model: Module, ds: Dataset, loss: LossFunction, batchSize = 256): number {
  let total = 0;
  const place = placeOf(model);
  noGrad(() => {
    for (let s = 0; s < ds.length; s += batchSize) {
      const idx = Array.from({ length: Math.min(batchSize, ds.length - s) }, (_, i) => s + i);
      total += inArena(place.backend, () => {
        const xb = batchTensor(ds, idx, place);
        return loss(model.forward(xb), xb).item();
      }) * idx.length;
    }
  });
  return total / Math.max(ds.length, 1);
}

/**
 * Trains `model` to reconstruct `data`: in memory (a Tensor, Dataset or rows), or streamed from disk
 * (StreamedData, for data larger than memory; validation data must then be given in memory).
 */
export async function fit(model: Module, data: FitData, opts: FitOptions = {}): Promise<History> {
  const epochs = positiveInt('epochs', opts.epochs ?? 1);
  const batchSize = positiveInt('batchSize', opts.batchSize ?? 32);
  const loss: LossFunction = typeof opts.loss === 'function' ? opts.loss : lossFn(opts.loss ?? 'mse');
  // A named loss may fuse with the model's output activation (sigmoid + bce from logits: losses/fused.ts).
  const lossName = typeof opts.loss === 'function' ? null : (opts.loss ?? 'mse');
  let train: Dataset | StreamedData = data instanceof StreamedData ? data : toDataset(data, 'training data');
  let val: Dataset | null = null;
  if (opts.validationData !== undefined && opts.validationSplit !== undefined) {
    throw new Error('give either validationData or validationSplit, not both');
  }
  if (opts.validationSplit !== undefined) {
    if (train instanceof StreamedData) throw new Error('streamed training data cannot be split here: give validationData (in memory)');
    ({ train, val } = splitValidation(train, opts.validationSplit));
  }
  else if (opts.validationData !== undefined) val = toDataset(opts.validationData, 'validation data');
  if (train.length === 0) throw new Error('no training samples');
  const optimizer = opts.optimizer instanceof Optimizer
    ? opts.optimizer
    : makeOptimizer(opts.optimizer ?? 'adam', model, { ...opts.optimizerOptions, ...(opts.lr !== undefined ? { lr: opts.lr } : {}) });
  const rng = new Rng(opts.seed ?? 0);
  const shuffleRng = rng.split();
  const noiseRng = rng.split();
  const callbacks = opts.callbacks ?? [];
  const params = model.parameters();
  const tensors = model.namedTensors().map(([, t]) => t);
  let stopReason: string | null = null;
  const control: TrainControl = {
    stop: (reason) => { stopReason ??= reason; },
    snapshot: () => tensors.map((t) => t.toTypedArray()) as Float32Array[],
    restore: (snap) => tensors.forEach((t, i) => t.data.set(snap[i], t.offset)),
  };
  const history: History = { epoch: [], loss: [], valLoss: [], seconds: 0, samplesPerSec: 0, stopReason: null, optimizer: optimizer.config() };
  // Checkpoints: the spec is taken before anything is loaded (the optimizer's config as this run sets it).
  const scope = opts.checkpointScope ?? {};
  const owner = scope.model ?? model;
  const every = opts.checkpoint?.every ?? 'epoch';
  if (every !== 'epoch' && !(Number.isInteger(every) && every > 0)) throw new Error(`checkpoint.every must be 'epoch' or a positive number of steps, got ${String(every)}`);
  const spec = opts.checkpoint || opts.resume
    ? await runSpec(owner, train, val, batchSize, optimizer, opts, lossName, scope.spec)
    : {};
  let pos: CheckpointPosition = { epoch: 0, batch: 0, lossSum: 0, samples: 0, steps: 0, shuffle: shuffleRng.getState(), noise: noiseRng.getState() };
  let bestValLoss: number | null = null;
  if (opts.resume) {
    const ck = await resolveResume(opts.resume);
    const where = isStore(opts.resume) ? opts.resume.where : 'checkpoint';
    checkSpec(ck, spec, where);
    const setStreams = moduleStreamsLoader(owner, ck.position.modules, where);
    loadWeights(owner, ck.weights, where);
    setStreams();
    optimizer.loadState(ck.optimizer, where);
    shuffleRng.setState(ck.position.shuffle);
    noiseRng.setState(ck.position.noise);
    pos = { ...ck.position };
    history.epoch = [...ck.history.epoch];
    history.loss = [...ck.history.loss];
    history.valLoss = [...ck.history.valLoss];
    bestValLoss = ck.bestValLoss;
    // A callback that had ended the run (early stopping) says so again here, and nothing more is trained.
    loadCallbackStates(callbacks, ck.callbacks, control, where);
  }
  const save = async (name: 'last' | 'best'): Promise<void> => {
    // A checkpoint with a non-finite weight would replace a good one with one that cannot be resumed usefully.
    if (firstNonFinite(owner.namedTensors())) return;
    const ck: Checkpoint = {
      format: CHECKPOINT_FORMAT,
      model: typeof (owner as { modelConfig?: unknown }).modelConfig === 'function' ? (owner as unknown as { modelConfig(): { kind: string; config: object } }).modelConfig() : null,
      spec, weights: weightsOf(owner), optimizer: optimizer.state(),
      position: { ...pos, noise: noiseRng.getState(), modules: moduleStreams(owner) },
      history: { epoch: [...history.epoch], loss: [...history.loss], valLoss: [...history.valLoss], stopReason },
      bestValLoss, callbacks: callbackStates(callbacks), extra: scope.extra ?? {},
    };
    await opts.checkpoint!.store.save(name, ck);
  };
  const ctx: StepContext = { model, optimizer, loss, rng: noiseRng };
  const defaultStep = (xb: Tensor): number => {
    const input = opts.corrupt ? opts.corrupt(xb, noiseRng) : xb;
    const { value, grads } = valueAndGrad(
      () => (lossName ? outputLoss(model as SigmoidOutput, input, xb, lossName) : loss(model.forward(input), xb)),
      params,
    );
    optimizer.step(grads);
    return value.item();
  };
  const step = opts.step ? (xb: Tensor) => opts.step!(xb, ctx) : defaultStep;
  // Step arena (DESIGN.md #4): on a backend that has one, the default step (batch, forward, loss, gradients,
  // optimizer update, reading the loss) allocates from an arena that is reset when the step returns, so
  // memory stays flat. Nothing created in it may outlive the step (see src/kernels/wasm/heap.ts). The first
  // step runs outside: optimizers create their state lazily on their first update, and it must live on.
  // A custom `opts.step` is never wrapped: it may keep what it creates.
  const place = placeOf(model);
  const arenaBackend = place.backend;
  let warmedUp = false;
  // A custom step runs outside the arena (it may keep what it creates), so its batches come from one buffer
  // allocated once and refilled every step: allocating a fresh batch per step there would leave the freeing to
  // the garbage collector, which cannot see wasm memory pressure. The batch tensor is only valid during its step.
  let batchBuffer: Tensor | null = null;
  const sampleShape = train.sampleShape;
  const reusedBatch = (ds: Dataset, idx: Uint32Array): Tensor => {
    batchBuffer ??= zeros([batchSize, ...sampleShape], place);
    const n = idx.length;
    const t = new Tensor(batchBuffer.data.subarray(0, n * ds.sampleSize), [n, ...sampleShape], { backend: place.backend });
    if (t.data instanceof Float32Array) ds.gather(idx, t.data);
    else t.data.set(ds.gather(idx));
    return t;
  };
  const trainBatch = (ds: Dataset, idx: Uint32Array): number => {
    if (opts.step) return step(reusedBatch(ds, idx));
    if (!warmedUp) {
      warmedUp = true;
      return step(batchTensor(ds, idx, place));
    }
    return arenaBackend.withArena?.(() => defaultStep(batchTensor(ds, idx, place))) ?? defaultStep(batchTensor(ds, idx, place));
  };
  const t0 = performance.now();
  let trainedSamples = 0;
  let lastYield = performance.now();
  model.train();
  try {
    for (let epoch = pos.epoch; epoch < epochs && !stopReason; epoch++) {
      const e0 = performance.now();
      const nBatches = batchesPerEpoch(train.length, batchSize);
      // A resumed epoch draws its order again from the saved shuffle state and skips what was trained.
      const skip = pos.batch;
      let sum = pos.lossSum, seen = pos.samples, b = -1;
      for await (const { data: ds, idx } of epochBatches(train, batchSize, opts.shuffle === false ? undefined : shuffleRng)) {
        b++;
        if (b < skip) continue;
        if (opts.signal?.aborted) { control.stop('aborted'); break; }
        const l = trainBatch(ds, idx);
        if (!Number.isFinite(l)) {
          control.stop(divergence(model.namedTensors(), l, epoch, b));
          break;
        }
        sum += l * idx.length;
        seen += idx.length;
        trainedSamples += idx.length;
        pos.batch = b + 1;
        pos.lossSum = sum;
        pos.samples = seen;
        pos.steps++;
        const secs = (performance.now() - e0) / 1000;
        const wait = batchEnd(callbacks, { epoch, batch: b, batchesPerEpoch: nBatches, loss: l, samples: seen, samplesPerSec: seen / Math.max(secs, 1e-9) }, control);
        if (wait) {
          await wait; // a callback holds the run here (the playground's pause and single step)
          lastYield = performance.now();
        } else if (performance.now() - lastYield > 50) {
          await yieldToEventLoop(); // lets an AbortSignal, a progress bar or a browser UI get a turn
          lastYield = performance.now();
        }
        if (opts.checkpoint && every !== 'epoch' && pos.steps % every === 0) await save('last');
      }
      if (seen < train.length) break; // stopped mid-epoch: do not record a partial epoch
      const epochSecs = (performance.now() - e0) / 1000;
      model.eval();
      const valLoss = opts.validate ? opts.validate() : val && val.length ? evaluateLoss(model, val, loss) : undefined;
      model.train();
      history.epoch.push(epoch + 1);
      history.loss.push(sum / seen);
      if (valLoss !== undefined) history.valLoss.push(valLoss);
      for (const c of callbacks) {
        c.onEpochEnd?.({ epoch, loss: sum / seen, valLoss, seconds: epochSecs, samplesPerSec: seen / Math.max(epochSecs, 1e-9) }, control);
      }
      pos = { epoch: epoch + 1, batch: 0, lossSum: 0, samples: 0, steps: pos.steps, shuffle: shuffleRng.getState(), noise: pos.noise };
      if (opts.checkpoint) {
        if (valLoss !== undefined && (bestValLoss === null || valLoss < bestValLoss)) {
          bestValLoss = valLoss;
          await save('best');
        }
        if (every === 'epoch') await save('last');
      }
    }
    // The run's final state (an abort mid-epoch included), before onTrainEnd may put back other weights;
    // never the state of a run whose loss went non-finite.
    if (opts.checkpoint && !(stopReason as string | null)?.startsWith('loss became')) await save('last');
  } finally {
    model.eval();
  }
  for (const c of callbacks) c.onTrainEnd?.(control);
  history.seconds = (performance.now() - t0) / 1000;
  history.samplesPerSec = trainedSamples / Math.max(history.seconds, 1e-9);
  history.stopReason = stopReason;
  return history;
}
