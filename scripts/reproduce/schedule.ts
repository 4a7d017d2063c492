/**
 * The learning-rate schedule of the longer recipes (Hinton & Salakhutdinov, the VAE): the base rate until
 * `decayFrom`, then half a cosine down to `lrMin` at the last epoch. bench/pytorch/reproduce.py's cosine_tail is
 * the same formula, so both sides train on the same schedule. Set between epochs on an optimizer instance
 * (Optimizer.lr may change between steps), so fit itself needs no schedule option.
 */
import type { Callback, Optimizer } from '../../src/index.js';

export interface CosineTail {
  epochs: number;
  /** 0-based epoch where the decay starts. */
  decayFrom: number;
  lr: number;
  lrMin: number;
}

/** The learning rate of 0-based `epoch`. */
export function cosineTail(epoch: number, s: CosineTail): number {
  if (s.decayFrom >= s.epochs || epoch < s.decayFrom) return s.lr;
  const t = (epoch - s.decayFrom) / Math.max(1, s.epochs - 1 - s.decayFrom);
  return s.lrMin + (s.lr - s.lrMin) * 0.5 * (1 + Math.cos(Math.PI * t));
}

/**
 * A fit callback that sets `opt.lr` for each next epoch (epoch 0 runs at the optimizer's own lr, s.lr).
 * EpochEnd.epoch is the 0-based epoch just finished.
 */
export function scheduleCallback(opt: Optimizer, s: CosineTail): Callback {
  return { onEpochEnd: (info) => { opt.lr = cosineTail(info.epoch + 1, s); } };
}

/** The schedule as the PyTorch peer's flags. */
export const scheduleArgs = (s: CosineTail): Record<string, number> => ({ 'decay-from': s.decayFrom, 'lr-min': s.lrMin });

/** The schedule in words, for a recipe paragraph. */
export const scheduleText = (s: CosineTail): string =>
  s.decayFrom >= s.epochs ? `lr ${s.lr} throughout` : `lr ${s.lr} for ${s.decayFrom} epochs, then half a cosine down to ${s.lrMin} at epoch ${s.epochs}`;
