// Elementwise kernels. Semantics follow src/kernels/ref/elementwise.ts exactly:
// - add/sub/mul/div/sqrt in float32 give the same bits as the reference's float64 arithmetic rounded to
//   float32 (double rounding is harmless for + - * / sqrt because 53 >= 2 * 24 + 2).
// - maximum is f32x4.max: NaN in either operand gives NaN and max(+0, -0) = +0, exactly like Math.max.
// - comparisons give 1 or 0, and 0 whenever a NaN is involved (like JS).
// - exp/log/tanh have no SIMD instruction: math.ts evaluates them in float64 lanes to ~1e-16 and rounds to
//   float32, so they agree with Math.exp/log/tanh to 1 float32 ulp (almost always bit for bit).
// - sigmoid: sigmoid.ts, in float32 lanes, within 2 ulp of the reference.
//
// Op codes must match src/kernels/wasm/codes.ts. The dispatchers switch on the op once and call an @inline
// loop with the op as a constant, so Binaryen folds the per-element switch away: one tight loop per op.

import { expD, logF4, tanhD } from './math';
import { sigmoidF4 } from './sigmoid';

const NEG = 0, EXP = 1, LOG = 2, SQRT = 3, TANH = 4, ABS = 5, SIGN = 6, SIGMOID = 7;
const ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAXIMUM = 4, GT = 5, GE = 6, LT = 7, LE = 8, EQ = 9;

// ---------------------------------------------------------------- unary

// sign(x): -1/+1 by sign bit, but x itself for +-0 and NaN (Math.sign(-0) = -0, Math.sign(NaN) = NaN).
// @ts-ignore: decorator
@inline
function signV(x: v128): v128 {
  const one = v128.or(v128.and(x, i32x4.splat(0x80000000)), f32x4.splat(1));
  const keep = v128.or(f32x4.eq(x, f32x4.splat(0)), f32x4.ne(x, x));
  return v128.bitselect(x, one, keep);
}

// Two float32 lanes through a float64 function and back.
// @ts-ignore: decorator
@inline
function viaF64(op: i32, v: v128): v128 {
  const lo = f64x2.promote_low_f32x4(v), hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  const rlo = op == EXP ? expD(lo) : tanhD(lo);
  const rhi = op == EXP ? expD(hi) : tanhD(hi);
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(rlo), f32x4.demote_f64x2_zero(rhi), 0, 1, 4, 5);
}

// @ts-ignore: decorator
@inline
function unaryV(op: i32, v: v128): v128 {
  switch (op) {
    case NEG: return f32x4.neg(v);
    case EXP: return viaF64(EXP, v);
    case LOG: return logF4(v);
    case SQRT: return f32x4.sqrt(v);
    case TANH: return viaF64(TANH, v);
    case SIGMOID: return sigmoidF4(v);
    case ABS: return f32x4.abs(v);
    default: return signV(v);
  }
}

// Every element goes through the same vector code, the 0-3 leftover ones as a splat, so an element's result
// never depends on its position in the array.
// @ts-ignore: decorator
@inline
function unaryLoop(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    // Two independent vectors per iteration: the float64 polynomials are latency-bound chains.
    const o = <usize>i * 4;
    const a = v128.load(x + o), b = v128.load(x + o, 16);
    v128.store(out + o, unaryV(op, a));
    v128.store(out + o, unaryV(op, b), 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(out + o, unaryV(op, v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    v128.store32_lane(out + o, unaryV(op, v128.load32_splat(x + o)), 0);
  }
}

// One function per op, so each loop is compiled with its op as a constant. (With the loops inlined into one
// switch, Binaryen's code folding merged the copies back into a single loop that switched per element.)
function unaryNeg(x: usize, out: usize, n: i32): void { unaryLoop(NEG, x, out, n); }
function unaryExp(x: usize, out: usize, n: i32): void { unaryLoop(EXP, x, out, n); }
function unaryLog(x: usize, out: usize, n: i32): void { unaryLoop(LOG, x, out, n); }
function unarySqrt(x: usize, out: usize, n: i32): void { unaryLoop(SQRT, x, out, n); }
function unaryTanh(x: usize, out: usize, n: i32): void { unaryLoop(TANH, x, out, n); }
function unarySigmoid(x: usize, out: usize, n: i32): void { unaryLoop(SIGMOID, x, out, n); }
function unaryAbs(x: usize, out: usize, n: i32): void { unaryLoop(ABS, x, out, n); }
function unarySign(x: usize, out: usize, n: i32): void { unaryLoop(SIGN, x, out, n); }

export function unary(op: i32, x: usize, out: usize, n: i32): void {
  switch (op) {
    case NEG: unaryNeg(x, out, n); break;
    case EXP: unaryExp(x, out, n); break;
    case LOG: unaryLog(x, out, n); break;
    case SQRT: unarySqrt(x, out, n); break;
    case TANH: unaryTanh(x, out, n); break;
    case SIGMOID: unarySigmoid(x, out, n); break;
    case ABS: unaryAbs(x, out, n); break;
    default: unarySign(x, out, n); break;
  }
}

// ---------------------------------------------------------------- binary

// @ts-ignore: decorator
@inline
function binV(op: i32, x: v128, y: v128): v128 {
  const one = f32x4.splat(1);
  switch (op) {
    case ADD: return f32x4.add(x, y);
    case SUB: return f32x4.sub(x, y);
    case MUL: return f32x4.mul(x, y);
    case DIV: return f32x4.div(x, y);
    case MAXIMUM: return f32x4.max(x, y);
    case GT: return v128.and(f32x4.gt(x, y), one);
    case GE: return v128.and(f32x4.ge(x, y), one);
    case LT: return v128.and(f32x4.lt(x, y), one);
    case LE: return v128.and(f32x4.le(x, y), one);
    default: return v128.and(f32x4.eq(x, y), one);
  }
}

// @ts-ignore: decorator
@inline
function binS(op: i32, x: f32, y: f32): f32 {
  switch (op) {
    case ADD: return x + y;
    case SUB: return x - y;
    case MUL: return x * y;
    case DIV: return x / y;
    case MAXIMUM: return Mathf.max(x, y);
    case GT: return x > y ? 1 : 0;
    case GE: return x >= y ? 1 : 0;
    case LT: return x < y ? 1 : 0;
    case LE: return x <= y ? 1 : 0;
    default: return x == y ? 1 : 0;
  }
}

// One row: out[j] = A[j * ac] op B[j * bc] for j < len, with ac, bc in {0, 1} (0: broadcast value).
// @ts-ignore: decorator
@inline
function binRow(op: i32, a: usize, ac: i32, b: usize, bc: i32, out: usize, len: i32): void {
  let j = 0;
  if (ac == 1 && bc == 1) {
    for (; j + 4 <= len; j += 4) {
      const o = <usize>j * 4;
      v128.store(out + o, binV(op, v128.load(a + o), v128.load(b + o)));
    }
  } else if (ac == 1) {
    const y = v128.load32_splat(b);
    for (; j + 4 <= len; j += 4) {
      const o = <usize>j * 4;
      v128.store(out + o, binV(op, v128.load(a + o), y));
    }
  } else if (bc == 1) {
    const x = v128.load32_splat(a);
    for (; j + 4 <= len; j += 4) {
      const o = <usize>j * 4;
      v128.store(out + o, binV(op, x, v128.load(b + o)));
    }
  }
  for (; j < len; j++) {
    store<f32>(out + <usize>j * 4, binS(op, load<f32>(a + <usize>(j * ac) * 4), load<f32>(b + <usize>(j * bc) * 4)));
  }
}

// @ts-ignore: decorator
@inline
function binRows(op: i32, a: usize, ar: i32, ac: i32, b: usize, br: i32, bc: i32, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const pa = a + <usize>(r * ar) * 4, pb = b + <usize>(r * br) * 4, po = out + <usize>r * <usize>cols * 4;
    if (ac == 1) {
      if (bc == 1) binRow(op, pa, 1, pb, 1, po, cols);
      else binRow(op, pa, 1, pb, 0, po, cols);
    } else {
      if (bc == 1) binRow(op, pa, 0, pb, 1, po, cols);
      else binRow(op, pa, 0, pb, 0, po, cols);
    }
  }
}

/**
 * out[r, j] (dense [rows, cols]) = A[r*ar + j*ac] op B[r*br + j*bc], strides in elements, ac and bc in {0, 1}.
 * This one shape covers same-shape dense operands, a scalar on either side, a row broadcast ([B,F] op [F],
 * the bias add) and a column broadcast ([B,F] op [B,1], softmax's x - max); the TS wrapper maps the strided
 * operands onto it or falls back to the reference kernel.
 */
export function binary2d(op: i32, a: usize, ar: i32, ac: i32, b: usize, br: i32, bc: i32, out: usize, rows: i32, cols: i32): void {
  switch (op) {
    case ADD: binAdd(a, ar, ac, b, br, bc, out, rows, cols); break;
    case SUB: binSub(a, ar, ac, b, br, bc, out, rows, cols); break;
    case MUL: binMul(a, ar, ac, b, br, bc, out, rows, cols); break;
    case DIV: binDiv(a, ar, ac, b, br, bc, out, rows, cols); break;
    case MAXIMUM: binMax(a, ar, ac, b, br, bc, out, rows, cols); break;
    case GT: binGt(a, ar, ac, b, br, bc, out, rows, cols); break;
    case GE: binGe(a, ar, ac, b, br, bc, out, rows, cols); break;
    case LT: binLt(a, ar, ac, b, br, bc, out, rows, cols); break;
    case LE: binLe(a, ar, ac, b, br, bc, out, rows, cols); break;
    default: binEq(a, ar, ac, b, br, bc, out, rows, cols); break;
  }
}

// One function per op (see unary: keeps Binaryen from merging the loops into one that switches per element).
function binAdd(a: usize, ar: i32, ac: i32, b: usize, br: i32, bc: i32, o: usize, r: i32, c: i32): void { binRows(ADD, a, ar, ac, b, br, bc, o, r, c); }
function binSub(a: usize, ar: i32, ac: i32, b: usize, br: i32, bc: i32, o: usize, r: i32, c: i32): void { binRows(SUB, a, ar, ac, b, br, bc, o, r, c); }
function binMul(a: usize, ar: i32, ac: i32, b: usize, br: i32, bc: i32, o: usize, r: i32, c: i32): void { binRows(MUL, a, ar, ac, b, br, bc, o, r, c); }
function binDiv(a: usize, ar: i32, ac: i32, b: usize, br: i32, bc: i32, o: usize, r: i32, c: i32): void { binRows(DIV, a, ar, ac, b, br, bc, o, r, c); }
function binMax(a: usize, ar: i32, ac: i32, b: usize, br: i32, bc: i32, o: usize, r: i32, c: i32): void { binRows(MAXIMUM, a, ar, ac, b, br, bc, o, r, c); }
function binGt(a: usize, ar: i32, ac: i32, b: usize, br: i32, bc: i32, o: usize, r: i32, c: i32): void { binRows(GT, a, ar, ac, b, br, bc, o, r, c); }
function binGe(a: usize, ar: i32, ac: i32, b: usize, br: i32, bc: i32, o: usize, r: i32, c: i32): void { binRows(GE, a, ar, ac, b, br, bc, o, r, c); }
function binLt(a: usize, ar: i32, ac: i32, b: usize, br: i32, bc: i32, o: usize, r: i32, c: i32): void { binRows(LT, a, ar, ac, b, br, bc, o, r, c); }
function binLe(a: usize, ar: i32, ac: i32, b: usize, br: i32, bc: i32, o: usize, r: i32, c: i32): void { binRows(LE, a, ar, ac, b, br, bc, o, r, c); }
function binEq(a: usize, ar: i32, ac: i32, b: usize, br: i32, bc: i32, o: usize, r: i32, c: i32): void { binRows(EQ, a, ar, ac, b, br, bc, o, r, c); }

// ---------------------------------------------------------------- where

/** out[i] = cond[i] != 0 ? A[i * ac] : B[i * bc] over n elements; ac, bc in {0, 1}. NaN != 0, so NaN selects a. */
export function where1d(cond: usize, a: usize, ac: i32, b: usize, bc: i32, out: usize, n: i32): void {
  let i = 0;
  const zero = f32x4.splat(0);
  const sa = v128.load32_splat(a), sb = v128.load32_splat(b);
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const m = f32x4.ne(v128.load(cond + o), zero);
    const x = ac ? v128.load(a + o) : sa;
    const y = bc ? v128.load(b + o) : sb;
    v128.store(out + o, v128.bitselect(x, y, m));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(out + o, load<f32>(cond + o) != 0 ? load<f32>(a + <usize>(i * ac) * 4) : load<f32>(b + <usize>(i * bc) * 4));
  }
}

// ---------------------------------------------------------------- copy

/**
 * out[r, c] (dense [rows, cols]) = X[r * rs + c * cs], strides in elements. The case that matters is a
 * transposed view (rs == 1, e.g. a weight gradient produced as W^T): it is copied in 4x4 blocks transposed in
 * registers, so both reads and writes are 16-byte vectors instead of a scalar walk down columns.
 */
export function copy2d(x: usize, rs: i32, cs: i32, out: usize, rows: i32, cols: i32): void {
  if (cs == 1) {
    const bytes = <usize>cols * 4;
    for (let r = 0; r < rows; r++) {
      const d = out + <usize>r * bytes, s = x + <usize>(r * rs) * 4;
      // Short rows (a few channels of an NHWC pixel) are common; memory.copy's call costs more than they do.
      if (bytes >= 256) {
        memory.copy(d, s, bytes);
        continue;
      }
      let i: usize = 0;
      for (; i + 16 <= bytes; i += 16) v128.store(d + i, v128.load(s + i));
      for (; i < bytes; i += 4) store<f32>(d + i, load<f32>(s + i));
    }
    return;
  }
  if (cs == 0) {
    // A broadcast row (expand): one value repeated.
    for (let r = 0; r < rows; r++) {
      const d = out + <usize>r * <usize>cols * 4;
      const v = v128.load32_splat(x + <usize>(r * rs) * 4);
      let c = 0;
      for (; c + 4 <= cols; c += 4) v128.store(d + <usize>c * 4, v);
      for (; c < cols; c++) store<f32>(d + <usize>c * 4, f32x4.extract_lane(v, 0));
    }
    return;
  }
  const ob = <usize>cols * 4;
  let r0 = 0;
  if (rs == 1) {
    const xs = <usize>cs * 4;
    for (; r0 + 4 <= rows; r0 += 4) {
      let c = 0;
      for (; c + 4 <= cols; c += 4) {
        // Four source columns c..c+3 hold rows r0..r0+3 contiguously.
        const s = x + (<usize>r0 + <usize>c * <usize>cs) * 4;
        const v0 = v128.load(s), v1 = v128.load(s + xs), v2 = v128.load(s + 2 * xs), v3 = v128.load(s + 3 * xs);
        const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
        const o = out + (<usize>r0 * <usize>cols + <usize>c) * 4;
        v128.store(o, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        v128.store(o + ob, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
        v128.store(o + 2 * ob, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
        v128.store(o + 3 * ob, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
      }
      for (; c < cols; c++) {
        for (let r = r0; r < r0 + 4; r++) store<f32>(out + (<usize>r * <usize>cols + <usize>c) * 4, load<f32>(x + <usize>(r + c * cs) * 4));
      }
    }
  }
  for (let r = r0; r < rows; r++) {
    const o = out + <usize>r * ob;
    for (let c = 0; c < cols; c++) store<f32>(o + <usize>c * 4, load<f32>(x + <usize>(r * rs + c * cs) * 4));
  }
}

/** out (dense [n0, rows, cols]) = X[i * s0 + r * rs + c * cs]: copy2d per outer index (expand and upsampling views). */
export function copy3d(x: usize, s0: i32, rs: i32, cs: i32, out: usize, n0: i32, rows: i32, cols: i32): void {
  const block = <usize>rows * <usize>cols * 4;
  for (let i = 0; i < n0; i++) copy2d(x + <usize>(i * s0) * 4, rs, cs, out + <usize>i * block, rows, cols);
}
