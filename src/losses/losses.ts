/**
 * Reconstruction losses. Each takes a prediction and a target of the same shape and an explicit
 * reduction (see reduction.ts). All are compositions of primitives; their gradients come for free.
 */
import * as ops from '../tensor/ops.js';
import { fmtShape, shapeEq } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { softplus } from '../nn/activations.js';
import { type Reduction, reduceLoss } from './reduction.js';

export interface LossOptions {
  reduction?: Reduction;
}

function checkPair(name: string, pred: Tensor, target: Tensor): void {
  if (!shapeEq(pred.shape, target.shape)) {
    throw new Error(`${name}: prediction shape ${fmtShape(pred.shape)} does not match target shape ${fmtShape(target.shape)}`);
  }
}

/** Mean squared error: L = (pred - target)^2. */
export function mse(pred: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  checkPair('mse', pred, target);
  const d = ops.sub(pred, target);
  return reduceLoss(ops.mul(d, d), opts.reduction);
}

/** Mean absolute error: L = |pred - target| (gradient 0 where they are equal). */
export function mae(pred: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  checkPair('mae', pred, target);
  return reduceLoss(ops.abs(ops.sub(pred, target)), opts.reduction);
}

/** Huber: L = 0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta), with d = pred - target (delta 1). */
export function huber(pred: Tensor, target: Tensor, opts: LossOptions & { delta?: number } = {}): Tensor {
  checkPair('huber', pred, target);
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new Error(`huber: delta must be positive, got ${delta}`);
  const d = ops.sub(pred, target);
  const a = ops.abs(d);
  const quad = ops.mul(ops.mul(d, d), 0.5);
  const lin = ops.mul(ops.sub(a, 0.5 * delta), delta);
  return reduceLoss(ops.where(ops.compare('le', a, delta), quad, lin), opts.reduction);
}

/** Keras' epsilon: probabilities are clamped to [eps, 1 - eps] before the log. */
export const BCE_EPSILON = 1e-7;

/**
 * Binary cross-entropy from probabilities p in [0, 1]:
 * L = -(t log p' + (1 - t) log(1 - p')), p' = clamp(p, eps, 1 - eps), eps = 1e-7 (as Keras does).
 * Outside the clamp range the gradient is 0. Prefer bceWithLogits where the logits are at hand.
 */
export function bce(pred: Tensor, target: Tensor, opts: LossOptions & { epsilon?: number } = {}): Tensor {
  checkPair('bce', pred, target);
  const eps = opts.epsilon ?? BCE_EPSILON;
  const p = ops.neg(ops.maximum(ops.neg(ops.maximum(pred, eps)), -(1 - eps))); // min(max(p, eps), 1 - eps)
  const l = ops.add(ops.mul(target, ops.log(p)), ops.mul(ops.sub(1, target), ops.log(ops.sub(1, p))));
  return reduceLoss(ops.neg(l), opts.reduction);
}

/**
 * Binary cross-entropy from logits z (numerically stable for any z):
 * L = max(z, 0) - z t + log(1 + e^-|z|) = softplus(z) - z t.
 */
export function bceWithLogits(logits: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  checkPair('bceWithLogits', logits, target);
  return reduceLoss(ops.sub(softplus(logits), ops.mul(logits, target)), opts.reduction);
}

export type LossName = 'mse' | 'mae' | 'huber' | 'bce' | 'bceWithLogits';
export const LOSSES: readonly LossName[] = ['mse', 'mae', 'huber', 'bce', 'bceWithLogits'];

export function lossFn(name: LossName): (pred: Tensor, target: Tensor, opts?: LossOptions) => Tensor {
  switch (name) {
    case 'mse': return mse;
    case 'mae': return mae;
    case 'huber': return huber;
    case 'bce': return bce;
    case 'bceWithLogits': return bceWithLogits;
    default:
      throw new Error(`unknown loss '${String(name)}' (expected one of: ${LOSSES.join(', ')})`);
  }
}
