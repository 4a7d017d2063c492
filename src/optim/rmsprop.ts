import type { FloatArray } from '../kernels/types.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ParamSource } from './optimizer.js';
import { checkHyper, Optimizer } from './optimizer.js';

export interface RMSPropOptions {
  lr?: number;
  /** Decay of the squared-gradient average (Keras/TensorFlow call it rho, PyTorch alpha). Default 0.9. */
  rho?: number;
  epsilon?: number;
  weightDecay?: number;
  /**
   * 'pytorch' (default): p -= lr g / (sqrt(s) + eps), eps 1e-8 — torch.optim.RMSprop.
   * 'keras':             p -= lr g / sqrt(s + eps),   eps 1e-7 — tf.keras.optimizers.RMSprop and TF1's
   *                      RMSPropOptimizer (which the seed tutorial used; TF1 also starts s at 1, we start at 0).
   */
  style?: 'pytorch' | 'keras';
}

/** RMSProp: s = rho s + (1 - rho) g^2, then the step above (g includes wd p when weightDecay > 0). */
export class RMSProp extends Optimizer {
  readonly rho: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  readonly style: 'pytorch' | 'keras';

  constructor(params: ParamSource, opts: RMSPropOptions = {}) {
    super(params, opts.lr ?? 0.001);
    this.style = opts.style ?? 'pytorch';
    if (this.style !== 'pytorch' && this.style !== 'keras') throw new Error(`RMSProp style must be 'pytorch' or 'keras', got '${String(this.style)}'`);
    this.rho = checkHyper('rho', opts.rho ?? 0.9, 0, 1, true);
    this.epsilon = checkHyper('epsilon', opts.epsilon ?? (this.style === 'keras' ? 1e-7 : 1e-8), 0, 1);
    this.weightDecay = checkHyper('weightDecay', opts.weightDecay ?? 0, 0, Infinity);
  }

  config(): Record<string, unknown> {
    return { name: 'rmsprop', lr: this.lr, rho: this.rho, epsilon: this.epsilon, weightDecay: this.weightDecay, style: this.style };
  }

  protected stateSlots(): number {
    return 1;
  }

  protected update(p: FloatArray, g: FloatArray, st: FloatArray[], param: Tensor): void {
    this.k('rmspropUpdate', param)(p, g, st[0], this.lr, this.rho, this.epsilon, this.weightDecay, this.style === 'keras');
  }
}
