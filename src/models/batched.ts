/** Batched inference shared by the models' encode / decode / reconstruct / reconstructionError. */
import { noGrad } from '../autograd/mode.js';
import { type Inputs, inputBatch, inputCount, inputSampleSize } from '../data/inputs.js';
import { inArena } from '../kernels/registry.js';
import type { Backend, DType } from '../kernels/types.js';
import type { Module } from '../nn/module.js';
import * as ops from '../tensor/ops.js';
import { type Tensor, zeros } from '../tensor/tensor.js';
import { placeOf } from '../train/fit.js';

/**
 * Runs `f` over samples [0, n) in batches of `batch`, without gradients, and stacks the results as
 * [n, ...shape]. Each batch (`take(s, e)` included) runs in the step arena, so its intermediates are released
 * as soon as its result is copied out: inference over a whole dataset keeps memory at one batch.
 */
export function mapInBatches(
  n: number, shape: readonly number[], place: { dtype: DType; backend?: Backend | undefined }, batch: number,
  take: (start: number, end: number) => Tensor, f: (b: Tensor) => Tensor,
): Tensor {
  const width = shape.reduce((a, d) => a * d, 1);
  const out = zeros([n, ...shape], { dtype: place.dtype, ...(place.backend ? { backend: place.backend } : {}) });
  noGrad(() => {
    for (let s = 0; s < n; s += batch) {
      const e = Math.min(n, s + batch);
      inArena(out.backend, () => out.data.set(f(take(s, e)).toTypedArray(), s * width));
    }
  });
  return out;
}

/**
 * Runs `f` over `x` in batches of 1024 without gradients and stacks the [batch, outDim] results (each batch in
 * the backend's step arena, so inference memory stays flat).
 */
export function mapRows(model: Module, x: Inputs, inDim: number, outDim: number, f: (b: Tensor) => Tensor, what: string): Tensor {
  const { dtype, backend } = placeOf(model);
  const n = inputCount(x);
  if (n > 0 && inputSampleSize(x) !== inDim) throw new Error(`${what}: samples have ${inputSampleSize(x)} values, the model expects ${inDim}`);
  const out = zeros([n, outDim], { dtype, backend });
  noGrad(() => {
    for (let s = 0; s < n; s += 1024) {
      const e = Math.min(n, s + 1024);
      inArena(backend, () => out.data.set(f(inputBatch(x, s, e, what, dtype)).toTypedArray(), s * outDim));
    }
  });
  return out;
}

/**
 * Each sample's mean squared reconstruction error, for the dense kinds: `reconstruct` maps a batch of rows
 * [b, d] to its reconstruction, and only the [b] errors leave the step arena.
 */
export function rowErrors(model: Module, x: Inputs, d: number, reconstruct: (rows: Tensor) => Tensor): Float32Array {
  return Float32Array.from(mapRows(model, x, d, 1, (b) => {
    const rows = b.ndim === 2 ? b : ops.reshape(b, [b.shape[0], d]);
    const diff = ops.sub(reconstruct(rows), rows);
    return ops.div(ops.sum(ops.mul(diff, diff), 1, true), d);
  }, 'reconstructionError').toTypedArray());
}
