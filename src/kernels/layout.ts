/**
 * Mapping strided operands (types.ts Strided) onto the few layouts the fast elementwise and copy kernels take:
 * a [rows, cols] grid with unit or broadcast columns, a flat dense-or-scalar run, or a walk of at most three
 * axes. The native backend's wrappers use these (src/kernels/native/elementwise.ts); whatever does not map goes
 * to a slower kernel that takes any strides.
 */
import type { Strided } from './types.js';

/** An operand seen as a [rows, cols] grid: element (r, j) at offset + r * rs + j * cs, cs in {0, 1}. */
export interface Grid {
  rs: number;
  cs: 0 | 1;
}

/**
 * Can `x`, over `shape`, be addressed as offset + r * rs + j * cs with rows = prod(shape[:s]) and
 * cols = prod(shape[s:])? Axes of size 1 never matter.
 */
export function asGrid(x: Strided, shape: readonly number[], s: number): Grid | null {
  const nd = shape.length;
  let dense = true, zero = true, expect = 1;
  for (let d = nd - 1; d >= s; d--) {
    if (shape[d] === 1) continue;
    if (x.strides[d] !== expect) dense = false;
    if (x.strides[d] !== 0) zero = false;
    expect *= shape[d];
  }
  if (!dense && !zero) return null;
  // Row axes: strides must be rs times the dense strides of shape[:s].
  let rs = -1, inner = 1;
  for (let d = s - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (rs < 0) {
      rs = x.strides[d];
      if (rs < 0) return null;
    } else if (x.strides[d] !== rs * inner) {
      return null;
    }
    inner *= shape[d];
  }
  return { rs: Math.max(rs, 0), cs: dense ? 1 : 0 };
}

/** Scalar (all-zero strides: 0) or dense from `offset` (1) over `shape`; -1 for anything else. */
export function flatKind(x: Strided, shape: readonly number[]): 0 | 1 | -1 {
  const g = asGrid(x, shape, 0);
  return g ? g.cs : -1;
}

/**
 * `x` over `shape` as a walk of at most three axes [n0, rows, cols] with any (non-negative) strides, after
 * dropping size-1 axes and merging axes that are contiguous with each other; null when more axes remain.
 */
export function asWalk(x: Strided, shape: readonly number[]): { dims: number[]; strides: number[] } | null {
  const merged: [number, number][] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const st = x.strides[d];
    if (st < 0) return null;
    const last = merged[merged.length - 1];
    if (last && last[1] === st * shape[d]) {
      last[0] *= shape[d];
      last[1] = st;
    } else {
      merged.push([shape[d], st]);
    }
  }
  if (merged.length > 3) return null;
  while (merged.length < 3) merged.unshift([1, 0]);
  return { dims: merged.map((m) => m[0]), strides: merged.map((m) => m[1]) };
}
