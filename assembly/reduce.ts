// Reductions of a dense [outer, n, inner] float32 array along the middle axis, as in
// src/kernels/ref/reduce.ts:
// - sum accumulates in float64 like the reference. With inner > 1 each column is summed in the reference's
//   order (i = 0, 1, ...), so results are bit-identical; with inner == 1 four lanes of partial sums are
//   combined at the end, a different float64 order whose error (~n * 2^-53 relative) vanishes when the
//   result is rounded to float32 (to within 1 float32 ulp).
// - max: the reference keeps the first maximal element (`v > m`), lets a NaN win and stay. The lane-wise
//   compare-and-select below does the same per column, so with inner > 1 results are bit-identical. With
//   inner == 1 values that compare equal are bit-equal except +0 and -0, so when the maximum is a zero we
//   rescan for the first zero to return its sign exactly as the reference does.

// @ts-ignore: decorator
@inline
function maxStep(m: v128, v: v128): v128 {
  // Take v where v > m or v is NaN, except once m is NaN (NaN > x is false, NaN stays).
  const take = v128.and(v128.or(f32x4.gt(v, m), f32x4.ne(v, v)), f32x4.eq(m, m));
  return v128.bitselect(v, m, take);
}

// @ts-ignore: decorator
@inline
function maxStepS(m: f32, v: f32): f32 {
  return m != m ? m : (v > m || v != v ? v : m);
}

function sumRow(x: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + <usize>i * 4);
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  }
  let s = (f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s1, 0)) + (f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 1));
  for (; i < n; i++) s += <f64>load<f32>(x + <usize>i * 4);
  return s;
}

function maxRow(x: usize, n: i32): f32 {
  let m = f32x4.splat(-Infinity);
  let i = 0;
  for (; i + 4 <= n; i += 4) m = maxStep(m, v128.load(x + <usize>i * 4));
  let r: f32 = -Infinity;
  r = maxStepS(r, f32x4.extract_lane(m, 0));
  r = maxStepS(r, f32x4.extract_lane(m, 1));
  r = maxStepS(r, f32x4.extract_lane(m, 2));
  r = maxStepS(r, f32x4.extract_lane(m, 3));
  for (; i < n; i++) r = maxStepS(r, load<f32>(x + <usize>i * 4));
  if (r == 0) {
    // All elements are <= 0 (or NaN-free with a zero maximum): the reference returns the first zero it met.
    for (let j = 0; j < n; j++) {
      const v = load<f32>(x + <usize>j * 4);
      if (v == 0) return v;
    }
  }
  return r;
}

/** out[o, j] = sum or max over i of x[o, i, j]; op 0 = sum, 1 = max. */
export function reduce(op: i32, x: usize, outer: i32, n: i32, inner: i32, out: usize): void {
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const row = x + <usize>o * <usize>n * 4;
      store<f32>(out + <usize>o * 4, op == 0 ? <f32>sumRow(row, n) : maxRow(row, n));
    }
    return;
  }
  const rowBytes = <usize>inner * 4;
  for (let o = 0; o < outer; o++) {
    const base = x + <usize>o * <usize>n * rowBytes;
    const ob = out + <usize>o * rowBytes;
    let j = 0;
    if (op == 0 && n == 2) {
      // Two rows (the upsampling gradient): the float64 sum of two float32 values rounded to float32 is their
      // float32 sum (double rounding is harmless for + as 53 >= 2 * 24 + 2), so float32 adds match the reference
      // bit for bit; starting from 0 like it does keeps -0 + -0 at +0.
      const r1 = base + rowBytes, z = f32x4.splat(0);
      for (; j + 4 <= inner; j += 4) {
        v128.store(ob + <usize>j * 4, f32x4.add(f32x4.add(z, v128.load(base + <usize>j * 4)), v128.load(r1 + <usize>j * 4)));
      }
      for (; j < inner; j++) store<f32>(ob + <usize>j * 4, (<f32>0 + load<f32>(base + <usize>j * 4)) + load<f32>(r1 + <usize>j * 4));
    } else if (op == 0) {
      for (; j + 4 <= inner; j += 4) {
        let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
        let p = base + <usize>j * 4;
        for (let i = 0; i < n; i++) {
          const v = v128.load(p);
          s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
          s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
          p += rowBytes;
        }
        const lo = f32x4.demote_f64x2_zero(s0), hi = f32x4.demote_f64x2_zero(s1);
        v128.store(ob + <usize>j * 4, v128.shuffle<f32>(lo, hi, 0, 1, 4, 5));
      }
      for (; j < inner; j++) {
        let s: f64 = 0;
        let p = base + <usize>j * 4;
        for (let i = 0; i < n; i++) {
          s += <f64>load<f32>(p);
          p += rowBytes;
        }
        store<f32>(ob + <usize>j * 4, <f32>s);
      }
    } else {
      for (; j + 4 <= inner; j += 4) {
        let m = f32x4.splat(-Infinity);
        let p = base + <usize>j * 4;
        for (let i = 0; i < n; i++) {
          m = maxStep(m, v128.load(p));
          p += rowBytes;
        }
        v128.store(ob + <usize>j * 4, m);
      }
      for (; j < inner; j++) {
        let m: f32 = -Infinity;
        let p = base + <usize>j * 4;
        for (let i = 0; i < n; i++) {
          m = maxStepS(m, load<f32>(p));
          p += rowBytes;
        }
        store<f32>(ob + <usize>j * 4, m);
      }
    }
  }
}
