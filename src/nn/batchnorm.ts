/**
 * Batch normalization (Ioffe & Szegedy 2015) over the last axis: [batch, features], or channels-last
 * [batch, ..., channels] where every position of a channel shares its statistics.
 *
 *   training:  y = gamma * (x - mean_B) / sqrt(var_B + epsilon) + beta,  mean_B, var_B over all axes but the last
 *   inference: the same with the running mean and variance in place of the batch's
 *
 * Conventions are Keras' (BatchNormalization), chosen because aekit's defaults follow Keras elsewhere:
 *   - momentum 0.99 is the weight of the OLD value: running = 0.99 * running + 0.01 * batch.
 *     PyTorch's momentum is the weight of the new value: PyTorch 0.1 is Keras 0.9.
 *   - the running variance is fed the biased batch variance (divide by n), as Keras does; PyTorch feeds the
 *     unbiased one (divide by n - 1) while normalizing with the biased one.
 *   - epsilon 1e-3 (PyTorch: 1e-5).
 * TRAP (Keras' too): with momentum 0.99 the running statistics need a few hundred training steps to forget
 * their start (mean 0, variance 1); a model trained for fewer steps behaves differently after eval(). Lower the
 * momentum (e.g. 0.9) for short runs.
 *
 * The running statistics are buffers (asBuffer): saved in the model file and restored by loadStateDict, but
 * not trained. They are updated in place, outside the graph, on every forward pass in training mode.
 */
import * as ops from '../tensor/ops.js';
import { fmtShape } from '../tensor/shape.js';
import { ones, type Tensor, zeros } from '../tensor/tensor.js';
import type { LayerInitOptions } from './dense.js';
import { asBuffer, asParameter, Module } from './module.js';

export interface BatchNormConfig {
  /** Size of the last axis (features or channels). */
  features: number;
  /** Weight of the old running value per update (Keras convention), in [0, 1). Default 0.99. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-3 (Keras). */
  epsilon?: number;
}

export class BatchNorm extends Module {
  readonly config: Required<BatchNormConfig>;
  /** Scale, [features], starts at 1. */
  gamma: Tensor;
  /** Shift, [features], starts at 0. */
  beta: Tensor;
  /** Saved, not trained: running mean [features], starts at 0. */
  runningMean: Tensor;
  /** Saved, not trained: running (biased) variance [features], starts at 1. */
  runningVar: Tensor;

  // Takes LayerInitOptions like every layer; its rng goes unused, nothing here is random.
  constructor(config: BatchNormConfig, opts: LayerInitOptions = {}) {
    super();
    const { features } = config;
    if (!Number.isInteger(features) || features <= 0) throw new Error(`BatchNorm: features must be a positive integer, got ${features}`);
    const momentum = config.momentum ?? 0.99;
    const epsilon = config.epsilon ?? 1e-3;
    if (!(momentum >= 0 && momentum < 1)) throw new Error(`BatchNorm: momentum must be in [0, 1), got ${momentum}`);
    if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new Error(`BatchNorm: epsilon must be a positive number, got ${epsilon}`);
    this.config = { features, momentum, epsilon };
    const place = { dtype: opts.dtype, backend: opts.backend };
    this.gamma = asParameter(ones([features], place));
    this.beta = asParameter(zeros([features], place));
    this.runningMean = asBuffer(zeros([features], place));
    this.runningVar = asBuffer(ones([features], place));
  }

  forward(x: Tensor): Tensor {
    const c = this.config.features;
    if (x.ndim < 2 || x.shape[x.ndim - 1] !== c) {
      throw new Error(`BatchNorm expects input of shape [batch, ..., ${c}], got ${fmtShape(x.shape)}`);
    }
    const eps = this.config.epsilon;
    if (!this.training) {
      // y = x * s + t with s = gamma / sqrt(var + eps), t = beta - mean * s: the per-feature work is done on
      // [features]-sized tensors, leaving two passes over the data.
      const s = ops.div(this.gamma, ops.sqrt(ops.add(this.runningVar, eps)));
      return ops.add(ops.mul(x, s), ops.sub(this.beta, ops.mul(this.runningMean, s)));
    }
    const axes = Array.from({ length: x.ndim - 1 }, (_, i) => i);
    const n = x.size / c;
    // An empty batch has no statistics (0/0): pass it through without touching the running values.
    if (n === 0) return ops.add(ops.mul(x, this.gamma), this.beta);
    // Two-pass variance (mean first, then mean of squared deviations): E[x^2] - E[x]^2 cancels catastrophically
    // in float32 when the mean is large compared with the spread.
    const mean = ops.div(ops.sum(x, axes), n);
    const xc = ops.sub(x, mean);
    const variance = ops.div(ops.sum(ops.mul(xc, xc), axes), n);
    this.updateRunning(mean, variance);
    // Gradients flow through mean and variance too: this is full batch-norm backprop, composed.
    const s = ops.div(this.gamma, ops.sqrt(ops.add(variance, eps)));
    return ops.add(ops.mul(xc, s), this.beta);
  }

  /** running = m * running + (1 - m) * batch, written in place into the buffers (no graph). */
  private updateRunning(mean: Tensor, variance: Tensor): void {
    const m = this.config.momentum;
    const bm = mean.toTypedArray(), bv = variance.toTypedArray();
    const rm = this.runningMean, rv = this.runningVar;
    for (let i = 0; i < bm.length; i++) {
      rm.data[rm.offset + i] = m * rm.data[rm.offset + i] + (1 - m) * bm[i];
      rv.data[rv.offset + i] = m * rv.data[rv.offset + i] + (1 - m) * bv[i];
    }
  }
}
