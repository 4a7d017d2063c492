/**
 * Loss and output activation together. BCE of a sigmoid output equals BCE from the logits z:
 *   bce(sigmoid(z), t) = softplus(z) - z t
 * wherever sigmoid(z) lies inside bce's clamp [eps, 1 - eps]; outside it the logits form keeps the true
 * gradient sigmoid(z) - t where the clamped form has none. So for a model whose output is a sigmoid, 'bce' is
 * computed from its logits (as Keras does). The composed form, bce(model.forward(x), t), is the test oracle.
 */
import type { Tensor } from '../tensor/tensor.js';
import { bceWithLogits, type LossName, lossFn } from './losses.js';

/** A model that can hand out the logits of its sigmoid output. */
export interface SigmoidOutput {
  forward(x: Tensor): Tensor;
  sigmoidLogits?(x: Tensor): Tensor | null;
}

/** loss(model(input), target), fusing a sigmoid output with 'bce' when the model allows it. */
export function outputLoss(model: SigmoidOutput, input: Tensor, target: Tensor, loss: LossName): Tensor {
  if (loss === 'bce' && model.sigmoidLogits) {
    const z = model.sigmoidLogits(input);
    if (z) return bceWithLogits(z, target);
  }
  return lossFn(loss)(model.forward(input), target);
}
