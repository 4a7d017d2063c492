import assert from 'node:assert/strict';
import { Rng } from '../src/tensor/rng.js';
import { type Tensor, tensor } from '../src/tensor/tensor.js';
import type { DType } from '../src/kernels/types.js';

/** A random tensor with values in [lo, hi), float64 by default (for gradient checks). */
export function rand(shape: number[], seed = 1, lo = -1, hi = 1, dtype: DType = 'float64'): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.uniform(lo, hi);
  return tensor(v, shape, { dtype });
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-6, rtol = 0, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e)) {
      assert.ok(Number.isNaN(a), `${what}[${i}]: expected NaN, got ${a}`);
      continue;
    }
    const tol = atol + rtol * Math.abs(e);
    assert.ok(Math.abs(a - e) <= tol, `${what}[${i}]: got ${a}, expected ${e} (tolerance ${tol})`);
  }
}

/** The parts' bytes one after another (for hand-built files). */
export function concatBytes(...parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
