/**
 * Feed-forward networks trained on (input, target) pairs by backpropagation (seed 003's two-layer net):
 *
 *   const net = new MLP({ sizes: [2, 8, 1], activation: 'tanh', outputActivation: 'sigmoid', seed: 0 });
 *   await net.fit(x, y, { epochs: 500, lr: 0.05 });
 *
 * `fitSupervised` is the training loop shared with the perceptron and the recurrent regressor: mini-batches
 * (full batch by default, as in the seed), a seeded shuffle, any optimizer, one mean loss per epoch.
 */
import { valueAndGrad } from '../autograd/backward.js';
import { noGrad } from '../autograd/mode.js';
import type { DType, FloatArray } from '../kernels/types.js';
import { bce, bceWithLogits, mse } from '../losses/losses.js';
import { activation, type ActivationName, checkActivation, logSumExp } from '../nn/activations.js';
import { Dense } from '../nn/dense.js';
import type { InitName } from '../nn/init.js';
import { Module } from '../nn/module.js';
import { makeOptimizer, Optimizer, type OptimizerName } from '../optim/index.js';
import * as ops from '../tensor/ops.js';
import { Rng } from '../tensor/rng.js';
import { fmtShape } from '../tensor/shape.js';
import { Tensor, tensor, zeros } from '../tensor/tensor.js';

/** Inputs: a tensor [n, ...features] or rows of numbers. */
export type SupervisedInputs = Tensor | number[][];
/** Targets: a tensor, rows of numbers, or one number per sample (class labels, or a single output). */
export type Targets = Tensor | number[][] | ArrayLike<number>;

export interface SupervisedFitOptions {
  epochs?: number;
  /** Samples per step; default all of them (full-batch gradient descent). */
  batchSize?: number;
  /** An optimizer instance, or a name built with `lr`. */
  optimizer?: Optimizer | OptimizerName;
  lr?: number;
  /** Seeds the shuffling of mini-batches (default 0). */
  seed?: number;
  shuffle?: boolean;
  /** Called after every epoch with its mean loss; returning false stops training. */
  onEpochEnd?: (epoch: number, loss: number) => boolean | void;
}

export interface SupervisedHistory {
  /** Mean training loss of each completed epoch. */
  loss: number[];
  seconds: number;
  /** Why training ended before `epochs` (a callback, a NaN loss), or null. */
  stopReason: string | null;
}

export interface FitDefaults {
  epochs: number;
  optimizer: OptimizerName;
  lr: number;
}

/** Rows of numbers or a tensor, as a tensor of the model's dtype. */
export function asInputTensor(x: SupervisedInputs, dtype: DType, what = 'inputs'): Tensor {
  if (x instanceof Tensor) {
    if (x.dtype !== dtype) throw new Error(`${what} are ${x.dtype} but the model is ${dtype}`);
    return x;
  }
  if (!Array.isArray(x)) throw new Error(`${what} must be a Tensor or an array of rows`);
  return tensor(x, undefined, { dtype });
}

/**
 * Targets as a [n, outputs] tensor. One number per sample becomes a column when there is one output, and a
 * one-hot row (the number is a class index) when there are several.
 */
export function asTargetTensor(y: Targets, n: number, outputs: number, dtype: DType): Tensor {
  let t: Tensor;
  if (y instanceof Tensor && y.ndim === 1) y = y.toTypedArray();
  if (y instanceof Tensor) t = y.dtype === dtype ? y : tensor(y.toTypedArray(), y.shape, { dtype });
  else if (Array.isArray(y) && y.length > 0 && Array.isArray(y[0])) t = tensor(y as number[][], undefined, { dtype });
  else {
    const v = y as ArrayLike<number>;
    if (outputs === 1) t = tensor(Array.from(v), [v.length, 1], { dtype });
    else {
      t = zeros([v.length, outputs], { dtype });
      for (let i = 0; i < v.length; i++) {
        if (!Number.isInteger(v[i]) || v[i] < 0 || v[i] >= outputs) {
          throw new Error(`target ${i} is ${v[i]}: class labels must be integers in [0, ${outputs})`);
        }
        t.data[i * outputs + v[i]] = 1;
      }
    }
  }
  if (t.ndim !== 2 || t.shape[0] !== n || t.shape[1] !== outputs) {
    throw new Error(`targets have shape ${fmtShape(t.shape)}, expected [${n}, ${outputs}]`);
  }
  return t;
}

/** Rows `idx` of `data` (a dense [n, ...rest] array) as a new tensor. */
function takeRows(data: FloatArray, like: Tensor, idx: ArrayLike<number>): Tensor {
  const row = like.size / like.shape[0];
  const out = zeros([idx.length, ...like.shape.slice(1)], { dtype: like.dtype });
  for (let k = 0; k < idx.length; k++) out.data.set(data.subarray(idx[k] * row, (idx[k] + 1) * row), k * row);
  return out;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Minimizes `loss(xBatch, yBatch)` over the parameters of `model`. Samples are rows (axis 0) of x and y, so x
 * may have any rank (sequences [n, time, features] included).
 */
export async function fitSupervised(
  model: Module, x: Tensor, y: Tensor, loss: (xb: Tensor, yb: Tensor) => Tensor,
  opts: SupervisedFitOptions, defaults: FitDefaults,
): Promise<SupervisedHistory> {
  const n = x.shape[0];
  if (n === 0) throw new Error('no training samples');
  if (y.shape[0] !== n) throw new Error(`${n} inputs but ${y.shape[0]} targets`);
  const epochs = opts.epochs ?? defaults.epochs;
  const batchSize = Math.min(opts.batchSize ?? n, n);
  for (const [k, v] of [['epochs', epochs], ['batchSize', batchSize]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${k} must be a positive integer, got ${v}`);
  }
  const optimizer = opts.optimizer instanceof Optimizer
    ? opts.optimizer
    : makeOptimizer(opts.optimizer ?? defaults.optimizer, model, { lr: opts.lr ?? defaults.lr });
  const params = optimizer.params.map(([, p]) => p);
  const rng = new Rng(opts.seed ?? 0);
  const xd = x.toTypedArray(), yd = y.toTypedArray();
  const history: SupervisedHistory = { loss: [], seconds: 0, stopReason: null };
  const start = performance.now();
  let lastYield = start;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = opts.shuffle === false || batchSize === n ? null : rng.permutation(n);
    let total = 0;
    for (let s = 0; s < n; s += batchSize) {
      const e = Math.min(n, s + batchSize);
      let xb = x, yb = y;
      if (e - s !== n) {
        const idx = order ? order.subarray(s, e) : Uint32Array.from({ length: e - s }, (_, i) => s + i);
        xb = takeRows(xd, x, idx);
        yb = takeRows(yd, y, idx);
      }
      const { value, grads } = valueAndGrad(() => loss(xb, yb), params);
      optimizer.step(grads);
      total += value.item() * (e - s);
    }
    const mean = total / n;
    history.loss.push(mean);
    if (!Number.isFinite(mean)) {
      history.stopReason = `loss is ${mean} at epoch ${epoch}`;
      break;
    }
    if (opts.onEpochEnd?.(epoch, mean) === false) {
      history.stopReason = `stopped by onEpochEnd at epoch ${epoch}`;
      break;
    }
    // Long runs hand the event loop a turn now and then, so a UI or a Ctrl-C handler stays responsive.
    if (performance.now() - lastYield > 50) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  history.seconds = (performance.now() - start) / 1000;
  return history;
}

export type SupervisedLoss = 'mse' | 'bce' | 'crossEntropy';

/**
 * Mean cross-entropy of softmax(logits) against target distributions (one-hot rows):
 * L = logSumExp(z) - sum(z * t) per row, which never takes the log of a rounded-to-zero probability.
 */
export function crossEntropyWithLogits(logits: Tensor, target: Tensor): Tensor {
  const perRow = ops.sub(logSumExp(logits, -1), ops.sum(ops.mul(logits, target), -1));
  return ops.div(ops.sum(perRow), logits.shape[0]);
}

export interface MLPConfig {
  /** Layer widths from input to output, e.g. [2, 4, 1]; at least two. */
  sizes: number[];
  /** Activation of every hidden layer (default 'sigmoid', as in seed 003). */
  activation?: ActivationName;
  /** Activation of the output (default 'sigmoid'; 'softmax' for classification). */
  outputActivation?: ActivationName;
  init?: InitName;
  seed?: number;
  dtype?: DType;
}

export class MLP extends Module {
  readonly config: Required<Omit<MLPConfig, 'dtype'>> & { dtype: DType };
  /** Dense layers; the last one is linear (it yields logits) and `forward` applies the output activation. */
  layers: Dense[];
  private readonly _out: (z: Tensor) => Tensor;

  constructor(config: MLPConfig) {
    super();
    const sizes = config.sizes;
    if (!Array.isArray(sizes) || sizes.length < 2) throw new Error(`MLP: sizes needs at least an input and an output size, got ${JSON.stringify(sizes)}`);
    sizes.forEach((v, i) => {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`MLP: sizes[${i}] must be a positive integer, got ${v}`);
    });
    this.config = {
      sizes: [...sizes],
      activation: checkActivation(config.activation ?? 'sigmoid'),
      outputActivation: checkActivation(config.outputActivation ?? 'sigmoid', 'outputActivation'),
      init: config.init ?? 'glorotUniform',
      seed: config.seed ?? 0,
      dtype: config.dtype ?? 'float32',
    };
    const c = this.config;
    const opts = { rng: new Rng(c.seed), dtype: c.dtype };
    this.layers = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const last = i + 2 === sizes.length;
      this.layers.push(new Dense({ inputDim: sizes[i], units: sizes[i + 1], activation: last ? 'linear' : c.activation, init: c.init }, opts));
    }
    this._out = activation(c.outputActivation);
  }

  get inputDim(): number {
    return this.config.sizes[0];
  }

  get outputDim(): number {
    return this.config.sizes[this.config.sizes.length - 1];
  }

  /** The output layer's pre-activation (what the from-logits losses want). */
  logits(x: Tensor): Tensor {
    let h = x;
    for (const l of this.layers) h = l.forward(h);
    return h;
  }

  forward(x: Tensor): Tensor {
    return this._out(this.logits(x));
  }

  /** Outputs [n, outputDim] without recording gradients. */
  predict(x: SupervisedInputs): Tensor {
    const t = asInputTensor(x, this.config.dtype);
    return noGrad(() => this.forward(t));
  }

  /** Class per sample: argmax of the outputs, or output >= 0.5 for a single output. */
  predictClasses(x: SupervisedInputs): Int32Array {
    return classesOf(this.predict(x));
  }

  /** The default loss matches the output: cross-entropy for softmax, binary cross-entropy for sigmoid, else MSE. */
  defaultLoss(): SupervisedLoss {
    const a = this.config.outputActivation;
    return a === 'softmax' ? 'crossEntropy' : a === 'sigmoid' ? 'bce' : 'mse';
  }

  /** Mean loss of a batch; the cross-entropies go through the logits for numerical stability. */
  loss(x: Tensor, y: Tensor, kind: SupervisedLoss = this.defaultLoss()): Tensor {
    const sigmoidOut = this.config.outputActivation === 'sigmoid';
    switch (kind) {
      case 'crossEntropy': return crossEntropyWithLogits(this.logits(x), y);
      case 'bce': return sigmoidOut ? bceWithLogits(this.logits(x), y) : bce(this.forward(x), y);
      case 'mse': return mse(this.forward(x), y);
      default: throw new Error(`unknown loss '${String(kind)}' (expected mse, bce or crossEntropy)`);
    }
  }

  /** Trains on (x, y); defaults: Adam, lr 0.01, 100 epochs, full batch, loss from `defaultLoss()`. */
  async fit(x: SupervisedInputs, y: Targets, opts: SupervisedFitOptions & { loss?: SupervisedLoss } = {}): Promise<SupervisedHistory> {
    const xt = asInputTensor(x, this.config.dtype);
    if (xt.ndim !== 2 || xt.shape[1] !== this.inputDim) throw new Error(`MLP expects inputs [n, ${this.inputDim}], got ${fmtShape(xt.shape)}`);
    const yt = asTargetTensor(y, xt.shape[0], this.outputDim, this.config.dtype);
    const kind = opts.loss ?? this.defaultLoss();
    return fitSupervised(this, xt, yt, (xb, yb) => this.loss(xb, yb, kind), opts, { epochs: 100, optimizer: 'adam', lr: 0.01 });
  }

  /** Fraction of samples whose predicted class equals the label. */
  accuracy(x: SupervisedInputs, labels: ArrayLike<number>): number {
    const pred = this.predictClasses(x);
    if (pred.length !== labels.length) throw new Error(`${pred.length} samples but ${labels.length} labels`);
    let ok = 0;
    for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) ok++;
    return pred.length ? ok / pred.length : NaN;
  }

  modelConfig(): { kind: 'MLP'; config: MLPConfig } {
    return { kind: 'MLP', config: { ...this.config, sizes: [...this.config.sizes] } };
  }
}

/** Argmax per row of [n, k] outputs (ties: the first), or >= 0.5 when k = 1. */
export function classesOf(out: Tensor): Int32Array {
  const [n, k] = out.shape;
  const d = out.toTypedArray();
  const cls = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (k === 1) {
      cls[i] = d[i] >= 0.5 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let j = 1; j < k; j++) if (d[i * k + j] > d[i * k + best]) best = j;
    cls[i] = best;
  }
  return cls;
}
