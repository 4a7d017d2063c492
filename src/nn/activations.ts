/**
 * Activations, all composed from primitives (their gradients come from the primitive rules).
 * Each is written to stay finite for extreme inputs (e.g. sigmoid(±300)), in value and in gradient.
 */
import { detach } from '../autograd/backward.js';
import * as ops from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';

export type ActivationName = 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'elu' | 'linear' | 'softplus' | 'softmax';
export const ACTIVATIONS: readonly ActivationName[] = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'linear', 'softplus', 'softmax'];

/**
 * sigmoid(x) = 1 / (1 + e^-x), computed as 0.5 * tanh(x / 2) + 0.5: the same function, but neither the value
 * nor the gradient overflows (1 / (1 + exp(300)) would pass inf / inf = NaN back through the division).
 * A fused primitive (one kernel pass forward, gradient out (1 - out)); `sigmoidComposed` is its test oracle.
 */
export function sigmoid(x: Tensor): Tensor {
  return ops.sigmoid(x);
}

/** The same sigmoid composed from tanh, kept as the oracle of the fused primitive. */
export function sigmoidComposed(x: Tensor): Tensor {
  return ops.add(ops.mul(ops.tanh(ops.mul(x, 0.5)), 0.5), 0.5);
}

/** relu(x) = max(x, 0); gradient 0 at x = 0 (see maximum's tie rule). */
export function relu(x: Tensor): Tensor {
  return ops.maximum(x, 0);
}

/** leakyRelu(x) = x for x > 0, alpha * x otherwise (Keras default alpha 0.3; PyTorch uses 0.01). */
export function leakyRelu(x: Tensor, alpha = 0.3): Tensor {
  return ops.where(ops.compare('gt', x, 0), x, ops.mul(x, alpha));
}

/**
 * elu(x) = x for x > 0, alpha * (e^x - 1) otherwise. exp is taken of min(x, 0) so the unused branch never
 * overflows (an inf there would turn the gradient into inf * 0 = NaN).
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  const neg = ops.neg(ops.maximum(ops.neg(x), 0)); // min(x, 0)
  return ops.where(ops.compare('gt', x, 0), x, ops.mul(ops.sub(ops.exp(neg), 1), alpha));
}

/** softplus(x) = log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): no overflow for large |x|. */
export function softplus(x: Tensor): Tensor {
  return ops.add(ops.maximum(x, 0), ops.log(ops.add(ops.exp(ops.neg(ops.abs(x))), 1)));
}

/** log(sum(exp(x))) along `axis`, shifted by the (detached) max so exp never overflows. */
export function logSumExp(x: Tensor, axis = -1, keepDims = false): Tensor {
  const m = detach(ops.max(x, axis, true));
  const s = ops.add(ops.log(ops.sum(ops.exp(ops.sub(x, m)), axis, true)), m);
  return keepDims ? s : ops.reshape(s, s.shape.filter((_, i) => i !== (axis < 0 ? axis + x.ndim : axis)));
}

/** softmax along `axis` (default last), shifted by the detached max. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const e = ops.exp(ops.sub(x, detach(ops.max(x, axis, true))));
  return ops.div(e, ops.sum(e, axis, true));
}

export function linear(x: Tensor): Tensor {
  return x;
}

export function activation(name: ActivationName): (x: Tensor) => Tensor {
  switch (name) {
    case 'sigmoid': return sigmoid;
    case 'tanh': return ops.tanh;
    case 'relu': return relu;
    case 'leakyRelu': return (x) => leakyRelu(x);
    case 'elu': return (x) => elu(x);
    case 'linear': return linear;
    case 'softplus': return softplus;
    case 'softmax': return (x) => softmax(x);
    default:
      throw new Error(`unknown activation '${String(name)}' (expected one of: ${ACTIVATIONS.join(', ')})`);
  }
}

export function checkActivation(name: string, what = 'activation'): ActivationName {
  if (!(ACTIVATIONS as readonly string[]).includes(name)) {
    throw new Error(`unknown ${what} '${name}' (expected one of: ${ACTIVATIONS.join(', ')})`);
  }
  return name as ActivationName;
}
