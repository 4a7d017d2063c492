/**
 * Dropout (Srivastava et al. 2014), in its "inverted" form as Keras and PyTorch implement it: in training,
 * each element is kept with probability 1 - rate and scaled by 1 / (1 - rate), so the expected output equals
 * the input and inference needs no rescaling. Not training (after `eval()`), the layer is the identity.
 *
 * The mask is a constant, not part of the graph: it is drawn from the layer's seeded Rng as plain data and
 * multiplied in, so the gradient with respect to the input is the mask itself (0 where dropped, 1 / (1 - rate)
 * where kept) and nothing flows into the randomness. A gradient check needs a fixed mask: draw one with
 * `sampleMask` and pass it to `forward(x, mask)` (a fresh draw per call would make finite differences noise).
 */
import { Rng } from '../tensor/rng.js';
import * as ops from '../tensor/ops.js';
import { fmtShape, shapeEq } from '../tensor/shape.js';
import { type Tensor, zeros } from '../tensor/tensor.js';
import { Module } from './module.js';

export interface DropoutOptions {
  /**
   * Where masks come from. Default `new Rng(0)`: two layers left on the default draw identical masks, so a
   * model with several Dropout layers should hand each its own stream (`rng.split()`).
   */
  rng?: Rng;
}

export class Dropout extends Module {
  /** Probability of dropping an element, in [0, 1). */
  readonly rate: number;
  // Underscored: the Rng is not model state, so the module walk (and the model file) skips it.
  private readonly _rng: Rng;

  constructor(rate: number, opts: DropoutOptions = {}) {
    super();
    // rate 1 would scale the (all-zero) survivors by 1/0; Keras rejects it too. A layer that drops everything
    // has no use in training anyway.
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new Error(`Dropout: rate must be a number in [0, 1), got ${String(rate)}`);
    this.rate = rate;
    this._rng = opts.rng ?? new Rng(0);
  }

  /** The rate only: a rebuilt layer (a loaded Sequential) starts its masks from Rng(0), which inference never uses. */
  layerConfig(): { type: 'Dropout'; rate: number } {
    return { type: 'Dropout', rate: this.rate };
  }

  override randomStreams(): Rng[] {
    return [this._rng];
  }

  /**
   * A fresh mask shaped like `like` (same dtype and backend): 1 / (1 - rate) with probability 1 - rate, else 0.
   * Consumes one draw per element from the layer's Rng, so a seeded layer yields the same masks in every run.
   */
  sampleMask(like: Tensor): Tensor {
    const mask = zeros(like.shape, { dtype: like.dtype, backend: like.backend });
    const keep = 1 - this.rate, scale = 1 / keep;
    const d = mask.data;
    for (let i = 0; i < d.length; i++) d[i] = this._rng.next() < keep ? scale : 0;
    return mask;
  }

  /** x * mask in training (a new mask per call unless one is given), x itself otherwise. */
  forward(x: Tensor, mask?: Tensor): Tensor {
    if (!this.training) return x;
    if (mask) {
      if (!shapeEq(mask.shape, x.shape)) throw new Error(`Dropout: mask shape ${fmtShape(mask.shape)} does not match input ${fmtShape(x.shape)}`);
      return ops.mul(x, mask);
    }
    // rate 0 is the identity in training as well; skipping the multiply also skips the Rng draws.
    if (this.rate === 0) return x;
    return ops.mul(x, this.sampleMask(x));
  }
}
