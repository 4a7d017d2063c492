/**
 * Seed 003's first network: one layer, y = sigmoid(x W^T + b), trained by plain gradient descent on the
 * squared error. The seed's update "error times the slope of the sigmoid, times the input" is exactly the
 * gradient of that error, so here the autograd computes it and SGD (no momentum) applies it.
 *
 * A single layer draws one hyperplane through input space, so it learns the seed's toy set (the target is
 * the first input) but can never get XOR right: no line separates {01, 10} from {00, 11}.
 */
import { noGrad } from '../autograd/mode.js';
import type { DType } from '../kernels/types.js';
import { bce, mse } from '../losses/losses.js';
import { Dense } from '../nn/dense.js';
import { Module } from '../nn/module.js';
import { Rng } from '../tensor/rng.js';
import { fmtShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  asInputTensor, asTargetTensor, classesOf, fitSupervised, type SupervisedFitOptions, type SupervisedHistory,
  type SupervisedInputs, type Targets,
} from './mlp.js';

/** Seed 003's toy inputs: the third column is always 1 (it plays the role of a bias). */
export const TOY_INPUTS: number[][] = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]];
/** Seed 003's targets: the first input column, a linearly separable relation. */
export const TOY_TARGETS: number[] = [0, 0, 1, 1];
/** XOR of the first two input columns: the non-linear relation a single layer cannot learn. */
export const XOR_TARGETS: number[] = [0, 1, 1, 0];

export interface PerceptronConfig {
  inputDim: number;
  /** Number of sigmoid outputs (default 1). */
  outputDim?: number;
  /** Default true. The seed's network has none: its constant input column does the job. */
  useBias?: boolean;
  seed?: number;
  dtype?: DType;
}

export type PerceptronLoss = 'mse' | 'bce';

export class Perceptron extends Module {
  readonly config: Required<Omit<PerceptronConfig, 'dtype'>> & { dtype: DType };
  layer: Dense;

  constructor(config: PerceptronConfig) {
    super();
    this.config = {
      inputDim: config.inputDim,
      outputDim: config.outputDim ?? 1,
      useBias: config.useBias ?? true,
      seed: config.seed ?? 0,
      dtype: config.dtype ?? 'float32',
    };
    const c = this.config;
    this.layer = new Dense(
      { inputDim: c.inputDim, units: c.outputDim, activation: 'sigmoid', useBias: c.useBias },
      { rng: new Rng(c.seed), dtype: c.dtype },
    );
  }

  forward(x: Tensor): Tensor {
    return this.layer.forward(x);
  }

  /** Outputs in (0, 1), shape [n, outputDim], without recording gradients. */
  predict(x: SupervisedInputs): Tensor {
    const t = asInputTensor(x, this.config.dtype);
    return noGrad(() => this.forward(t));
  }

  /** 0/1 per sample (output >= 0.5) for one output; argmax for several. */
  predictClasses(x: SupervisedInputs): Int32Array {
    return classesOf(this.predict(x));
  }

  /**
   * Plain gradient descent on the whole set each step (the seed's loop). Defaults: loss 'mse', optimizer
   * 'sgd' without momentum, lr 1, 1000 epochs, full batch.
   */
  async fit(x: SupervisedInputs, y: Targets, opts: SupervisedFitOptions & { loss?: PerceptronLoss } = {}): Promise<SupervisedHistory> {
    const xt = asInputTensor(x, this.config.dtype);
    if (xt.ndim !== 2 || xt.shape[1] !== this.config.inputDim) {
      throw new Error(`Perceptron expects inputs [n, ${this.config.inputDim}], got ${fmtShape(xt.shape)}`);
    }
    const yt = asTargetTensor(y, xt.shape[0], this.config.outputDim, this.config.dtype);
    const kind = opts.loss ?? 'mse';
    if (kind !== 'mse' && kind !== 'bce') throw new Error(`Perceptron loss must be 'mse' or 'bce', got '${String(kind)}'`);
    const loss = kind === 'mse' ? mse : bce;
    return fitSupervised(this, xt, yt, (xb, yb) => loss(this.forward(xb), yb), opts, { epochs: 1000, optimizer: 'sgd', lr: 1 });
  }

  modelConfig(): { kind: 'Perceptron'; config: PerceptronConfig } {
    return { kind: 'Perceptron', config: { ...this.config } };
  }
}
