/**
 * A recurrent regressor: a SimpleRNN reads a window of a sequence and a linear layer maps its last state to
 * the next value(s). Training is backpropagation through time through the autograd graph of all the steps.
 *
 *   const { x, y } = slidingWindows(series, 10);          // x [n, 10, 1], y [n, 1]
 *   const net = new RNNRegressor({ units: 16, seed: 0 });
 *   await net.fit(x, y, { epochs: 100, batchSize: 32 });
 */
import { noGrad } from '../autograd/mode.js';
import type { DType } from '../kernels/types.js';
import { mse } from '../losses/losses.js';
import { Dense } from '../nn/dense.js';
import { Module } from '../nn/module.js';
import { SimpleRNN } from '../nn/rnn.js';
import { Rng } from '../tensor/rng.js';
import { fmtShape } from '../tensor/shape.js';
import { Tensor, tensor, zeros } from '../tensor/tensor.js';
import { asTargetTensor, fitSupervised, type SupervisedFitOptions, type SupervisedHistory, type Targets } from './mlp.js';

export interface RNNRegressorConfig {
  /** Features per time step (default 1: a scalar series). */
  inputDim?: number;
  /** Size of the hidden state (default 16). */
  units?: number;
  /** Values predicted per window (default 1). */
  outputDim?: number;
  seed?: number;
  dtype?: DType;
}

/** Sequences: a tensor [n, time, features], or one array of scalars per sequence (features = 1). */
export type SequenceInputs = Tensor | number[][];

/**
 * Every window of `window` consecutive values of `series` with the value after it as the target:
 * x [n, window, 1] and y [n, 1], n = series.length - window. Windows keep their time order (no shuffling),
 * so a caller can hold out the end of the series by slicing.
 */
export function slidingWindows(series: ArrayLike<number>, window: number, dtype: DType = 'float32'): { x: Tensor; y: Tensor } {
  if (!Number.isInteger(window) || window <= 0) throw new Error(`window must be a positive integer, got ${window}`);
  const n = series.length - window;
  if (n <= 0) throw new Error(`a series of ${series.length} values has no window of ${window} followed by a target`);
  const x = zeros([n, window, 1], { dtype });
  const y = zeros([n, 1], { dtype });
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < window; t++) x.data[i * window + t] = series[i + t];
    y.data[i] = series[i + window];
  }
  return { x, y };
}

export class RNNRegressor extends Module {
  readonly config: Required<Omit<RNNRegressorConfig, 'dtype'>> & { dtype: DType };
  rnn: SimpleRNN;
  head: Dense;

  constructor(config: RNNRegressorConfig = {}) {
    super();
    this.config = {
      inputDim: config.inputDim ?? 1,
      units: config.units ?? 16,
      outputDim: config.outputDim ?? 1,
      seed: config.seed ?? 0,
      dtype: config.dtype ?? 'float32',
    };
    const c = this.config;
    const opts = { rng: new Rng(c.seed), dtype: c.dtype };
    this.rnn = new SimpleRNN({ inputDim: c.inputDim, units: c.units }, opts);
    this.head = new Dense({ inputDim: c.units, units: c.outputDim }, opts);
  }

  forward(x: Tensor): Tensor {
    return this.head.forward(this.rnn.forward(x));
  }

  private asSequences(x: SequenceInputs): Tensor {
    let t: Tensor;
    if (x instanceof Tensor) {
      if (x.dtype !== this.config.dtype) throw new Error(`sequences are ${x.dtype} but the model is ${this.config.dtype}`);
      t = x;
    } else {
      if (!Array.isArray(x)) throw new Error('sequences must be a Tensor [n, time, features] or an array of number arrays');
      if (this.config.inputDim !== 1) throw new Error(`arrays of scalars need inputDim 1; this model reads ${this.config.inputDim} features per step`);
      const m = tensor(x, undefined, { dtype: this.config.dtype });
      t = tensor(m.toTypedArray(), [m.shape[0], m.shape[1] ?? 0, 1], { dtype: this.config.dtype });
    }
    if (t.ndim !== 3 || t.shape[2] !== this.config.inputDim) {
      throw new Error(`RNNRegressor expects sequences [n, time, ${this.config.inputDim}], got ${fmtShape(t.shape)}`);
    }
    return t;
  }

  /** Predictions [n, outputDim], without recording gradients. */
  predict(x: SequenceInputs): Tensor {
    const t = this.asSequences(x);
    return noGrad(() => this.forward(t));
  }

  /** Mean squared error of the predictions. */
  evaluate(x: SequenceInputs, y: Targets): number {
    const xt = this.asSequences(x);
    const yt = asTargetTensor(y, xt.shape[0], this.config.outputDim, this.config.dtype);
    return noGrad(() => mse(this.forward(xt), yt).item());
  }

  /** Minimizes the MSE. Defaults: Adam, lr 0.01, 100 epochs, batch 32. */
  async fit(x: SequenceInputs, y: Targets, opts: SupervisedFitOptions = {}): Promise<SupervisedHistory> {
    const xt = this.asSequences(x);
    const yt = asTargetTensor(y, xt.shape[0], this.config.outputDim, this.config.dtype);
    return fitSupervised(this, xt, yt, (xb, yb) => mse(this.forward(xb), yb), { ...opts, batchSize: opts.batchSize ?? 32 }, { epochs: 100, optimizer: 'adam', lr: 0.01 });
  }

  modelConfig(): { kind: 'RNNRegressor'; config: RNNRegressorConfig } {
    return { kind: 'RNNRegressor', config: { ...this.config } };
  }
}
