import type { FloatArray } from '../kernels/types.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ParamSource } from './optimizer.js';
import { checkHyper, Optimizer } from './optimizer.js';

export interface SGDOptions {
  lr?: number;
  /** Heavy-ball momentum mu (0 = plain gradient descent). */
  momentum?: number;
  nesterov?: boolean;
  /** L2 penalty added to the gradient: g + wd * p. */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent, PyTorch's torch.optim.SGD formulation (dampening 0):
 *   g' = g + wd p
 *   plain:     p -= lr g'
 *   momentum:  v = mu v + g';  p -= lr v
 *   nesterov:  v = mu v + g';  p -= lr (g' + mu v)
 * Keras' SGD keeps v scaled by lr (v = mu v - lr g; p += v); with a constant lr the two give identical steps.
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(params: ParamSource, opts: SGDOptions = {}) {
    super(params, opts.lr ?? 0.01);
    this.momentum = checkHyper('momentum', opts.momentum ?? 0, 0, 1);
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = checkHyper('weightDecay', opts.weightDecay ?? 0, 0, Infinity);
    if (this.nesterov && this.momentum === 0) throw new Error('nesterov needs momentum > 0');
  }

  config(): Record<string, unknown> {
    return { name: 'sgd', lr: this.lr, momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }

  protected stateSlots(): number {
    return this.momentum > 0 ? 1 : 0;
  }

  protected update(p: FloatArray, g: FloatArray, st: FloatArray[], param: Tensor): void {
    if (this.momentum > 0) this.k('momentumUpdate', param)(p, g, st[0], this.lr, this.momentum, this.nesterov, this.weightDecay);
    else this.k('sgdUpdate', param)(p, g, this.lr, this.weightDecay);
  }
}
