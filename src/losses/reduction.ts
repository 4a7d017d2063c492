import * as ops from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * How an elementwise loss L (shape [B, ...]) becomes one number:
 * - 'mean':         sum(L) / numel(L)        (Keras' and PyTorch's default)
 * - 'sum':          sum(L)
 * - 'sumPerSample': sum(L) / B               (per-sample sum averaged over the batch; what VAEs report)
 */
export type Reduction = 'mean' | 'sum' | 'sumPerSample';
export const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'sumPerSample'];

export function reduceLoss(l: Tensor, reduction: Reduction = 'mean'): Tensor {
  switch (reduction) {
    case 'mean': return ops.div(ops.sum(l), Math.max(l.size, 1));
    case 'sum': return ops.sum(l);
    case 'sumPerSample': return ops.div(ops.sum(l), Math.max(l.ndim ? l.shape[0] : 1, 1));
    default:
      throw new Error(`unknown reduction '${String(reduction)}' (expected one of: ${REDUCTIONS.join(', ')})`);
  }
}
