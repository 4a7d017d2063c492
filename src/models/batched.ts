/** Batched inference shared by the models' encode / decode / reconstruct. */
import { noGrad } from '../autograd/mode.js';
import { inArena } from '../kernels/registry.js';
import type { Backend, DType } from '../kernels/types.js';
import { type Tensor, zeros } from '../tensor/tensor.js';

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
