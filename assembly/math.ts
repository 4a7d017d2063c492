// exp, tanh and log for float32 data, two lanes at a time in float64 (f64x2).
//
// Why float64: the reference kernels compute Math.exp/tanh/log in double and round to float32. Evaluating
// these to ~1e-16 relative error and rounding once gives the same float32 in all but ~1 of 10^8 cases (when
// the exact value sits within 1e-16 of a rounding boundary, two double libms may round to different sides),
// so the wasm kernels agree with the reference to 1 ulp and almost always bit for bit, while running 4-10x
// faster than a scalar libm call per element (no SIMD transcendental instructions exist).
//
// Method: Cody-Waite range reduction and Taylor polynomials, with enough terms that truncation is < 1e-17:
//   exp(x)   = 2^n exp(r),         n = round(x / ln 2), |r| <= ln(2) / 2, Taylor degree 13
//   tanh(x)  = sign(x) e / (e + 2), e = expm1(2|x|)   (expm1 by its own Taylor series below ln(2)/2, so small
//              |x| keeps full relative accuracy), |x| clamped to 20 where tanh is 1 in double already
//   log(x)   = k ln 2 + 2 atanh(s), x = m 2^k with m in [sqrt(1/2), sqrt(2)], s = (m - 1) / (m + 1)
// Special values follow Math.*: NaN -> NaN, exp(+-Inf) = Inf / 0, tanh(+-Inf) = +-1, tanh(-0) = -0,
// log(0) = -Inf, log(x < 0) = NaN, log(Inf) = Inf.

const LOG2E: f64 = 1.4426950408889634;
const LN2_HI: f64 = 6.93147180369123816490e-01; // low 32 bits zero: n * LN2_HI is exact for |n| < 2^20
const LN2_LO: f64 = 1.90821492927058770002e-10;
const HALF_LN2: f64 = 0.34657359027997264;
const SHIFT: f64 = 6755399441055744.0; // 1.5 * 2^52

// @ts-ignore: decorator
@inline
function splat(x: f64): v128 {
  return f64x2.splat(x);
}

// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: f64): v128 {
  return f64x2.add(f64x2.mul(a, b), splat(c));
}

/** exp(r) for |r| <= ln(2)/2: sum of r^k / k!, k <= 13 (next term < 5e-18). */
// @ts-ignore: decorator
@inline
function expSmall(r: v128): v128 {
  let p = splat(1.0 / 6227020800.0);
  p = madd(p, r, 1.0 / 479001600.0);
  p = madd(p, r, 1.0 / 39916800.0);
  p = madd(p, r, 1.0 / 3628800.0);
  p = madd(p, r, 1.0 / 362880.0);
  p = madd(p, r, 1.0 / 40320.0);
  p = madd(p, r, 1.0 / 5040.0);
  p = madd(p, r, 1.0 / 720.0);
  p = madd(p, r, 1.0 / 120.0);
  p = madd(p, r, 1.0 / 24.0);
  p = madd(p, r, 1.0 / 6.0);
  p = madd(p, r, 0.5);
  p = madd(p, r, 1.0);
  return madd(p, r, 1.0);
}

/** expm1(y) for 0 <= y <= ln(2)/2: y (1 + y/2! + ... + y^13/14!), accurate relative to y. */
// @ts-ignore: decorator
@inline
function expm1Small(y: v128): v128 {
  let p = splat(1.0 / 87178291200.0);
  p = madd(p, y, 1.0 / 6227020800.0);
  p = madd(p, y, 1.0 / 479001600.0);
  p = madd(p, y, 1.0 / 39916800.0);
  p = madd(p, y, 1.0 / 3628800.0);
  p = madd(p, y, 1.0 / 362880.0);
  p = madd(p, y, 1.0 / 40320.0);
  p = madd(p, y, 1.0 / 5040.0);
  p = madd(p, y, 1.0 / 720.0);
  p = madd(p, y, 1.0 / 120.0);
  p = madd(p, y, 1.0 / 24.0);
  p = madd(p, y, 1.0 / 6.0);
  p = madd(p, y, 0.5);
  p = madd(p, y, 1.0);
  return f64x2.mul(p, y);
}

/** exp of two doubles. Inputs are clamped to [-200, 200]: beyond that the float32 result is 0 or Inf anyway. */
// @ts-ignore: decorator
@inline
export function expD(x: v128): v128 {
  // pmax/pmin with x first return x when it is NaN (a single maxpd/minpd each; max/min would be ~8 instructions).
  const xc = f64x2.pmin(f64x2.pmax(x, splat(-200)), splat(200));
  // Round-to-integer by adding 1.5 * 2^52: n lands in the low mantissa bits of t, and t - SHIFT is n as a double.
  const t = madd(xc, splat(LOG2E), SHIFT);
  const n = f64x2.sub(t, splat(SHIFT));
  const r = f64x2.sub(f64x2.sub(xc, f64x2.mul(n, splat(LN2_HI))), f64x2.mul(n, splat(LN2_LO)));
  // 2^n from its bits: (bits(t) + 1023) << 52 keeps exactly (n + 1023) << 52 (|n| <= 289, a normal double).
  const scale = i64x2.shl(i64x2.add(t, i64x2.splat(1023)), 52);
  return f64x2.mul(expSmall(r), scale);
}

/** tanh of two doubles. */
// @ts-ignore: decorator
@inline
export function tanhD(x: v128): v128 {
  const y = f64x2.mul(f64x2.pmin(f64x2.abs(x), splat(20)), splat(2)); // NaN stays NaN (x first)
  const small = f64x2.lt(y, splat(HALF_LN2));
  const e = v128.bitselect(expm1Small(y), f64x2.sub(expD(y), splat(1)), small);
  const t = f64x2.div(e, f64x2.add(e, splat(2)));
  return v128.or(t, v128.and(x, i64x2.splat(0x8000000000000000))); // t >= 0: copy x's sign (tanh(-0) = -0)
}

/** log(m 2^k) for m in [sqrt(1/2), sqrt(2)], k integral (both doubles). */
// @ts-ignore: decorator
@inline
function logMK(m: v128, k: v128): v128 {
  const f = f64x2.sub(m, splat(1));
  const s = f64x2.div(f, f64x2.add(f, splat(2)));
  const z = f64x2.mul(s, s); // <= 0.0295: 10 terms of the atanh series leave < 2e-17
  let p = splat(1.0 / 21.0);
  p = madd(p, z, 1.0 / 19.0);
  p = madd(p, z, 1.0 / 17.0);
  p = madd(p, z, 1.0 / 15.0);
  p = madd(p, z, 1.0 / 13.0);
  p = madd(p, z, 1.0 / 11.0);
  p = madd(p, z, 1.0 / 9.0);
  p = madd(p, z, 1.0 / 7.0);
  p = madd(p, z, 1.0 / 5.0);
  p = madd(p, z, 1.0 / 3.0);
  const s2 = f64x2.add(s, s);
  const tail = f64x2.add(f64x2.mul(f64x2.mul(s2, z), p), f64x2.mul(k, splat(LN2_LO)));
  return f64x2.add(f64x2.mul(k, splat(LN2_HI)), f64x2.add(s2, tail));
}

/** log of four floats (f32x4 in, f32x4 out). */
// @ts-ignore: decorator
@inline
export function logF4(x: v128): v128 {
  // Split x = m 2^k in float32 bits; subnormals are first scaled by 2^23 (exact).
  const sub = i32x4.eq(v128.and(x, i32x4.splat(0x7f800000)), i32x4.splat(0));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608.0)), x, sub);
  let k = i32x4.sub(i32x4.shr_u(v128.and(xs, i32x4.splat(0x7f800000)), 23), i32x4.splat(127));
  k = i32x4.sub(k, v128.and(sub, i32x4.splat(23)));
  let m = v128.or(v128.and(xs, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000)); // [1, 2)
  const big = f32x4.gt(m, f32x4.splat(1.41421356));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, big);
  k = i32x4.sub(k, big); // big lanes are -1: k + 1
  const lo = logMK(f64x2.promote_low_f32x4(m), f64x2.convert_low_i32x4_s(k));
  const hi = logMK(
    f64x2.promote_low_f32x4(v128.shuffle<f32>(m, m, 2, 3, 0, 1)),
    f64x2.convert_low_i32x4_s(v128.shuffle<i32>(k, k, 2, 3, 0, 1)),
  );
  let r = v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
  r = v128.bitselect(f32x4.splat(NaN), r, f32x4.lt(x, f32x4.splat(0)));
  r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(x, f32x4.splat(0)));
  r = v128.bitselect(x, r, v128.or(f32x4.eq(x, f32x4.splat(Infinity)), f32x4.ne(x, x)));
  return r;
}
