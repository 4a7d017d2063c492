/**
 * Divergence: what fit says when the loss stops being a number, and the check that every weight is one. The
 * message names the epoch, the step and the first parameter holding a non-finite value, so a user knows the
 * run diverged (and where), not merely that it stopped. A caller recognizes the reason by isDivergence.
 */
import type { Tensor } from '../tensor/tensor.js';

/** The first non-finite value among named tensors, in their order (a model's namedTensors()). */
export interface NonFinite {
  name: string;
  /** Flat index of the value within the tensor. */
  index: number;
  value: number;
}

export function firstNonFinite(named: readonly (readonly [string, Tensor])[]): NonFinite | null {
  for (const [name, t] of named) {
    const v = t.isDense ? t.data.subarray(t.offset, t.offset + t.size) : t.toTypedArray();
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) return { name, index: i, value: v[i] };
    }
  }
  return null;
}

/** A batch's divergence message starts so (fit's tests and its checkpointing match on it). */
const PREFIX = 'loss became ';
const ANY_PREFIX = /^(loss|a weight) became /;

/** Whether a History.stopReason says the run diverged (as opposed to early stopping or an abort). */
export function isDivergence(reason: string | null | undefined): boolean {
  return reason != null && ANY_PREFIX.test(reason);
}

/**
 * At the end of 0-based `epoch`: the reason to stop when a weight is not finite (a step can overflow a weight
 * while its own loss, computed before the update, still reads finite: the last step of an epoch), else null.
 */
export function epochDivergence(named: readonly (readonly [string, Tensor])[], epoch: number): string | null {
  const bad = firstNonFinite(named);
  return bad ? `a weight became ${bad.value} at the end of epoch ${epoch + 1}: first non-finite parameter ${bad.name} (index ${bad.index}) (try a lower learning rate)` : null;
}

/**
 * fit's stop reason for a non-finite batch loss at 0-based `epoch` and `batch`. The step has already applied
 * its gradients, so a non-finite gradient shows as a non-finite weight: the first one is named.
 */
export function divergence(named: readonly (readonly [string, Tensor])[], loss: number, epoch: number, batch: number): string {
  const bad = firstNonFinite(named);
  const where = bad ? `first non-finite parameter ${bad.name} (${bad.value} at index ${bad.index})` : 'every weight still finite';
  return `${PREFIX}${loss} at epoch ${epoch + 1}, batch ${batch + 1} (try a lower learning rate); ${where}`;
}
