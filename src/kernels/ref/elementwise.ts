/**
 * Reference elementwise kernels. Plain TypeScript, written for clarity first and speed second: these are the
 * oracle every faster backend is checked against. Each op gets its own inner loop (a switch outside the loop)
 * so V8 sees one monomorphic loop body per op instead of a megamorphic function call per element.
 */
import type { BinaryOp, FloatArray, Strided, UnaryOp } from '../types.js';

export function unary(op: UnaryOp, x: FloatArray, out: FloatArray): void {
  const n = x.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -x[i]; return;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]); return;
    case 'log': for (let i = 0; i < n; i++) out[i] = Math.log(x[i]); return;
    case 'sqrt': for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); return;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]); return;
    // e = e^-|x| never overflows; 1/(1+e) for x >= 0 and e/(1+e) below keep full relative accuracy on both
    // tails (0.5 tanh(x/2) + 0.5 cancels for x << 0). NaN gives NaN through e.
    case 'sigmoid':
      for (let i = 0; i < n; i++) {
        const v = x[i], e = Math.exp(-Math.abs(v));
        out[i] = v >= 0 ? 1 / (1 + e) : e / (1 + e);
      }
      return;
    case 'abs': for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]); return;
    // Math.sign(NaN) is NaN, so NaN propagates; sign(0) = 0.
    case 'sign': for (let i = 0; i < n; i++) out[i] = Math.sign(x[i]); return;
  }
}

function isDense(s: Strided, shape: readonly number[]): boolean {
  let expect = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && s.strides[d] !== expect) return false;
    expect *= shape[d];
  }
  return true;
}

/** Runs `inner(aOff, bOff, outOff)` over every row (all axes but the last) of `shape`. */
function forEachRow(
  shape: readonly number[], a: Strided, b: Strided,
  inner: (ao: number, bo: number, oo: number, len: number, sa: number, sb: number) => void,
): void {
  const nd = shape.length;
  if (nd === 0) { inner(a.offset, b.offset, 0, 1, 0, 0); return; }
  const len = shape[nd - 1];
  let total = 1;
  for (const s of shape) total *= s;
  if (total === 0) return;
  const rows = total / len;
  const sa = a.strides[nd - 1], sb = b.strides[nd - 1];
  const idx = new Array<number>(nd - 1).fill(0);
  let ao = a.offset, bo = b.offset, oo = 0;
  for (let r = 0; r < rows; r++) {
    inner(ao, bo, oo, len, sa, sb);
    oo += len;
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      ao += a.strides[d];
      bo += b.strides[d];
      if (idx[d] < shape[d]) break;
      ao -= a.strides[d] * shape[d];
      bo -= b.strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

export function binary(op: BinaryOp, a: Strided, b: Strided, out: FloatArray, shape: readonly number[]): void {
  const A = a.data, B = b.data;
  if (isDense(a, shape) && isDense(b, shape)) {
    // Same-shape fast path: one flat loop.
    binaryRow(op, A, B, out, a.offset, b.offset, 0, out.length, 1, 1);
    return;
  }
  forEachRow(shape, a, b, (ao, bo, oo, len, sa, sb) => binaryRow(op, A, B, out, ao, bo, oo, len, sa, sb));
}

function binaryRow(
  op: BinaryOp, A: FloatArray, B: FloatArray, O: FloatArray,
  ao: number, bo: number, oo: number, len: number, sa: number, sb: number,
): void {
  const end = oo + len;
  switch (op) {
    case 'add': for (let o = oo; o < end; o++, ao += sa, bo += sb) O[o] = A[ao] + B[bo]; return;
    case 'sub': for (let o = oo; o < end; o++, ao += sa, bo += sb) O[o] = A[ao] - B[bo]; return;
    case 'mul': for (let o = oo; o < end; o++, ao += sa, bo += sb) O[o] = A[ao] * B[bo]; return;
    case 'div': for (let o = oo; o < end; o++, ao += sa, bo += sb) O[o] = A[ao] / B[bo]; return;
    case 'maximum':
      // NaN in either operand gives NaN (like Math.max), so a NaN is never hidden by a relu.
      for (let o = oo; o < end; o++, ao += sa, bo += sb) O[o] = Math.max(A[ao], B[bo]);
      return;
    case 'gt': for (let o = oo; o < end; o++, ao += sa, bo += sb) O[o] = A[ao] > B[bo] ? 1 : 0; return;
    case 'ge': for (let o = oo; o < end; o++, ao += sa, bo += sb) O[o] = A[ao] >= B[bo] ? 1 : 0; return;
    case 'lt': for (let o = oo; o < end; o++, ao += sa, bo += sb) O[o] = A[ao] < B[bo] ? 1 : 0; return;
    case 'le': for (let o = oo; o < end; o++, ao += sa, bo += sb) O[o] = A[ao] <= B[bo] ? 1 : 0; return;
    case 'eq': for (let o = oo; o < end; o++, ao += sa, bo += sb) O[o] = A[ao] === B[bo] ? 1 : 0; return;
  }
}

export function where(cond: Strided, a: Strided, b: Strided, out: FloatArray, shape: readonly number[]): void {
  // Materialise a and b as dense first (cheap, and keeps one strided walker), then select with cond.
  const n = out.length;
  const ad = new (out.constructor as { new (n: number): FloatArray })(n);
  const bd = new (out.constructor as { new (n: number): FloatArray })(n);
  copy(a, ad, shape);
  copy(b, bd, shape);
  const cd = new (out.constructor as { new (n: number): FloatArray })(n);
  copy(cond, cd, shape);
  for (let i = 0; i < n; i++) out[i] = cd[i] !== 0 ? ad[i] : bd[i];
}

const ZERO: Strided = { data: new Float64Array(1), offset: 0, strides: [] };

export function copy(x: Strided, out: FloatArray, shape: readonly number[]): void {
  const X = x.data;
  if (isDense(x, shape)) {
    out.set(X.subarray(x.offset, x.offset + out.length));
    return;
  }
  const zero = { ...ZERO, strides: new Array<number>(shape.length).fill(0) };
  forEachRow(shape, x, zero, (xo, _bo, oo, len, sx) => {
    for (let o = oo, end = oo + len; o < end; o++, xo += sx) out[o] = X[xo];
  });
}
