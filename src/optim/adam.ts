import type { FloatArray } from '../kernels/types.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ParamSource } from './optimizer.js';
import { checkHyper, Optimizer } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
  /** true: AdamW's decoupled decay p -= lr wd p; false (default): L2, g += wd p (torch.optim.Adam). */
  decoupled?: boolean;
}

/**
 * Adam, following torch.optim.Adam (Kingma & Ba, Algorithm 1):
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps),   eps = 1e-8
 * Keras adds its eps (1e-7) to sqrt(v) before the bias correction ("epsilon hat"), which differs slightly
 * while v is small; set epsilon to taste, the formula stays PyTorch's.
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;

  constructor(params: ParamSource, opts: AdamOptions = {}) {
    super(params, opts.lr ?? 0.001);
    this.beta1 = checkHyper('beta1', opts.beta1 ?? 0.9, 0, 1);
    this.beta2 = checkHyper('beta2', opts.beta2 ?? 0.999, 0, 1);
    if (this.beta1 >= 1 || this.beta2 >= 1) throw new Error('Adam betas must be below 1');
    this.epsilon = checkHyper('epsilon', opts.epsilon ?? 1e-8, 0, 1);
    this.weightDecay = checkHyper('weightDecay', opts.weightDecay ?? 0, 0, Infinity);
    this.decoupled = opts.decoupled ?? false;
  }

  config(): Record<string, unknown> {
    return {
      name: 'adam', lr: this.lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon,
      weightDecay: this.weightDecay, decoupled: this.decoupled,
    };
  }

  protected stateSlots(): number {
    return 2;
  }

  protected update(p: FloatArray, g: FloatArray, st: FloatArray[], param: Tensor, step: number): void {
    this.k('adamUpdate', param)(
      p, g, st[0], st[1], this.lr, this.beta1, this.beta2, this.epsilon, step, this.weightDecay, this.decoupled,
    );
  }
}
