/**
 * Glue layers for sequence models, as in Keras:
 *   - RepeatVector(n): [batch, features] -> [batch, n, features], the same vector at every step (a sequence
 *     decoder's input when all it gets is one code);
 *   - TimeDistributed(layer): applies a per-sample layer (e.g. Dense) to every time step, with shared weights.
 */
import * as ops from '../tensor/ops.js';
import { fmtShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

export class RepeatVector extends Module {
  readonly n: number;

  constructor(n: number) {
    super();
    if (!Number.isInteger(n) || n < 0) throw new Error(`RepeatVector: n must be a non-negative integer, got ${n}`);
    this.n = n;
  }

  /**
   * A broadcast view (stride 0 along time): no copy here. Its gradient is the sum over the n steps, which is
   * what a vector used n times must receive.
   */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 2) throw new Error(`RepeatVector expects input of shape [batch, features], got ${fmtShape(x.shape)}`);
    const [b, f] = x.shape;
    return ops.expand(ops.reshape(x, [b, 1, f]), [b, this.n, f]);
  }
}

/**
 * Applies `layer` to each time step of [batch, time, ...features]: the batch and time axes are merged
 * ([batch * time, ...features]) so the layer sees one ordinary batch, then split again. One call of the layer
 * instead of one per step, and the weights are shared across steps because it is one layer.
 */
export class TimeDistributed<M extends Module = Module> extends Module {
  layer: M;

  constructor(layer: M) {
    super();
    this.layer = layer;
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 3) throw new Error(`TimeDistributed expects input of shape [batch, time, ...features], got ${fmtShape(x.shape)}`);
    const [b, t, ...rest] = x.shape;
    const y = this.layer.forward(ops.reshape(x, [b * t, ...rest]));
    return ops.reshape(y, [b, t, ...y.shape.slice(1)]);
  }
}
