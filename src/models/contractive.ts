/**
 * Contractive autoencoder (Rifai et al. 2011): reconstruction loss + lambda * ||J_f(x)||_F^2, the squared
 * Frobenius norm of the encoder's Jacobian, which rewards codes that change little when x moves slightly.
 *
 *   const cae = new ContractiveAutoencoder({ inputDim: 784, latentDim: 64, lambda: 0.1 });
 *   await cae.fit(x, { epochs: 10, loss: 'bce' });
 *
 * The encoder is one sigmoid Dense layer, h = sigmoid(W x + b) with W [k, d], because that has a closed form:
 *   dh_j/dx_i = h_j (1 - h_j) W_ji,   so   ||J(x)||_F^2 = sum_j (h_j (1 - h_j))^2 * sum_i W_ji^2.
 * It costs one [B, k] elementwise pass and the k row norms of W, where the Jacobian itself would be d*k per
 * sample. The training penalty is lambda times its mean over the batch; its gradient with respect to W, b and
 * x comes from autograd through these same ops. The decoder is one Dense layer back to the input
 * (outputActivation, default sigmoid).
 */
import { noGrad } from '../autograd/mode.js';
import type { Inputs } from '../data/inputs.js';
import type { DType } from '../kernels/types.js';
import type { ActivationName } from '../nn/activations.js';
import type { Dense } from '../nn/dense.js';
import type { InitName } from '../nn/init.js';
import * as ops from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { RegularizedAutoencoder } from './sparse.js';

export interface ContractiveAutoencoderConfig {
  inputDim: number;
  latentDim: number;
  /** Weight of the contractive penalty (Rifai et al. try 0.01 to 1 on MNIST-sized data). */
  lambda: number;
  /** Activation of the reconstruction (default 'sigmoid'). */
  outputActivation?: ActivationName;
  init?: InitName;
  seed?: number;
  dtype?: DType;
}

export class ContractiveAutoencoder extends RegularizedAutoencoder {
  readonly lambda: number;

  constructor(config: ContractiveAutoencoderConfig) {
    // A config read from a file could carry fields this model cannot honour: refuse them rather than ignore.
    const extra = config as unknown as { hidden?: unknown; activation?: unknown; latentActivation?: unknown };
    if (Array.isArray(extra.hidden) && extra.hidden.length > 0) {
      throw new Error('ContractiveAutoencoder: the encoder is a single sigmoid layer (closed-form Jacobian); hidden layers are not supported');
    }
    for (const k of ['activation', 'latentActivation'] as const) {
      if (extra[k] !== undefined && extra[k] !== 'sigmoid') throw new Error(`ContractiveAutoencoder: ${k} must be 'sigmoid', got '${String(extra[k])}'`);
    }
    super({
      inputDim: config.inputDim,
      latentDim: config.latentDim,
      hidden: [],
      activation: 'sigmoid',
      latentActivation: 'sigmoid',
      outputActivation: config.outputActivation,
      init: config.init,
      seed: config.seed,
      dtype: config.dtype,
    });
    const lambda = config.lambda;
    if (typeof lambda !== 'number' || !(lambda >= 0) || !Number.isFinite(lambda)) {
      throw new Error(`ContractiveAutoencoder: lambda must be a finite number >= 0, got ${String(lambda)}`);
    }
    this.lambda = lambda;
  }

  /** The encoder's one Dense layer (weight [latentDim, inputDim]). */
  get encoderLayer(): Dense {
    return this.encoder.layers[0] as Dense;
  }

  /** ||J(x_b)||_F^2 for each sample from its code h_b = encoder(x_b): a [B] tensor (the closed form). */
  jacobianNormSq(code: Tensor): Tensor {
    const w = this.encoderLayer.weight;
    const rowNormSq = ops.sum(ops.mul(w, w), 1); // [k]: sum_i W_ji^2
    const s = ops.mul(code, ops.sub(1, code)); // [B, k]: sigmoid'(a) = h (1 - h)
    return ops.sum(ops.mul(ops.mul(s, s), rowNormSq), 1);
  }

  /** lambda * mean_b ||J(x_b)||_F^2 for the codes of one batch. */
  override penalty(code: Tensor): Tensor {
    return ops.mul(ops.sum(this.jacobianNormSq(code)), this.lambda / Math.max(code.shape[0], 1));
  }

  /** The penalty computed from inputs (differentiable in x, W and b). */
  contractivePenalty(x: Tensor): Tensor {
    return this.penalty(this.encoder.forward(x));
  }

  /** Mean ||J(x)||_F (not squared) over a data set: how contractive the encoder is. */
  meanJacobianNorm(x: Inputs): number {
    const h = this.encode(x);
    const v = noGrad(() => this.jacobianNormSq(h)).toTypedArray();
    let s = 0;
    for (let i = 0; i < v.length; i++) s += Math.sqrt(v[i]);
    return v.length ? s / v.length : NaN;
  }

  override modelConfig(): { kind: 'ContractiveAutoencoder'; config: ContractiveAutoencoderConfig } {
    const c = this.config;
    return {
      kind: 'ContractiveAutoencoder',
      config: { inputDim: c.inputDim, latentDim: c.latentDim, lambda: this.lambda, outputActivation: c.outputActivation, init: c.init, seed: c.seed, dtype: c.dtype },
    };
  }
}
