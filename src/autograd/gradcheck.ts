/**
 * Central-difference gradient check, exported so users can check their own layers and losses.
 *
 * Run it in float64 (PyTorch's gradcheck does too): in float32 the difference quotient loses about half the
 * significant digits to cancellation, so only loose tolerances would pass.
 */
import { mul, sum } from '../tensor/ops.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { gradients } from './backward.js';
import { noGrad } from './mode.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed for the random projection of non-scalar outputs. */
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic - numeric| - rtol*|numeric| over all checked elements (<= atol when ok). */
  maxExcess: number;
  maxAbsError: number;
  /** Where the worst element was: input index, flat element index and both values. */
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
}

/**
 * Compares the autograd gradient of `fn(...inputs)` with central differences. A non-scalar output is
 * reduced to sum(out * w) with fixed random weights w, which checks every output element's gradient at once.
 * Inputs must be dense leaves; their requiresGrad flag is set for the check.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  for (const t of inputs) {
    if (!t.isDense || t.node) throw new Error('gradcheck inputs must be dense leaf tensors');
    t.requiresGrad = true;
  }
  let weights: Tensor | null = null;
  const scalarOut = (): Tensor => {
    const out = fn(...inputs);
    if (out.size === 1) return out;
    if (!weights) {
      const rng = new Rng(opts.seed ?? 1234);
      const w = new Tensor(out.backend.alloc(out.dtype, out.size), out.shape, { backend: out.backend });
      for (let i = 0; i < w.size; i++) w.data[i] = rng.uniform(-1, 1);
      weights = w;
    }
    return sum(mul(out, weights));
  };
  const y = scalarOut();
  const grads = gradients(y);
  const result: GradcheckResult = { ok: true, maxExcess: -Infinity, maxAbsError: 0, worst: null };
  noGrad(() => {
    inputs.forEach((t, ii) => {
      const g = grads.get(t);
      const analytic = g ? g.toTypedArray() : new Float64Array(t.size);
      for (let i = 0; i < t.size; i++) {
        const at = t.offset + i;
        const orig = t.data[at];
        t.data[at] = orig + eps;
        const fp = scalarOut().item();
        t.data[at] = orig - eps;
        const fm = scalarOut().item();
        t.data[at] = orig;
        const numeric = (fp - fm) / (2 * eps);
        const err = Math.abs(analytic[i] - numeric);
        const excess = err - rtol * Math.abs(numeric);
        if (!(excess <= atol)) result.ok = false;
        if (Number.isNaN(excess) || excess > result.maxExcess) {
          result.maxExcess = Number.isNaN(excess) ? Infinity : excess;
          result.worst = { input: ii, index: i, analytic: analytic[i], numeric };
        }
        result.maxAbsError = Math.max(result.maxAbsError, Number.isNaN(err) ? Infinity : err);
      }
    });
  });
  return result;
}
