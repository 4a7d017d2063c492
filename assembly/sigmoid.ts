// sigmoid for float32 data in float32 lanes (f32x4).
//
// Why float32 and not math.ts's float64 lanes: sigmoid is the activation of the benchmark's dense networks,
// run over every hidden unit of every sample; two float64 lanes with a degree-13 polynomial made it one of
// the costliest steps of an inference. Four float32 lanes with a degree-7 polynomial give the result within 2
// ulp of the reference's double computation rounded to float32 over all 2^32 inputs (equal for 97 % of them),
// against 1 ulp in float64. The native backend runs the same operations in the same order (native/sigmoid.h,
// no fused multiply-adds), so the two give the same bits.
//
// Method: e = e^-|x| (never overflows) by Cody-Waite range reduction, n = round(-|x| / ln 2), r = -|x| - n ln 2
// in two parts (|r| <= ln(2) / 2), exp(r) by its Taylor polynomial of degree 7 (truncation < 6e-9 relative),
// then 2^n from its bits. The argument is clamped to -104, where e rounds to 0 in float32; 2^n is applied as
// 2^(n + 64) (exact, a normal float for n >= -190) then 2^-64, so a subnormal e is rounded once. Then 1/(1+e)
// for x >= 0 and e/(1+e) below, which keeps full relative accuracy on both tails. NaN flows through as NaN (the
// clamp's comparison is false for it; its integer n does not matter once p is NaN).

const LOG2E: f32 = <f32>1.4426950408889634;
const SHIFT: f32 = <f32>12582912.0; // 1.5 * 2^23
const LN2_HI: f32 = <f32>0.693359375; // 11 bits: n * LN2_HI is exact
const LN2_LO: f32 = <f32>-2.1219444005469057e-4;
const TWO_M64: f32 = <f32>5.421010862427522e-20; // 2^-64

// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: f32): v128 {
  return f32x4.add(f32x4.mul(a, b), f32x4.splat(c));
}

// @ts-ignore: decorator
@inline
export function sigmoidF4(x: v128): v128 {
  const ax = v128.and(x, i32x4.splat(0x7fffffff));
  const t = v128.bitselect(f32x4.splat(-104.0), f32x4.neg(ax), f32x4.gt(ax, f32x4.splat(104.0)));
  // Round to nearest: n lands in the low mantissa bits, then back.
  const nf = f32x4.sub(f32x4.add(f32x4.mul(t, f32x4.splat(LOG2E)), f32x4.splat(SHIFT)), f32x4.splat(SHIFT));
  const r = f32x4.sub(f32x4.sub(t, f32x4.mul(nf, f32x4.splat(LN2_HI))), f32x4.mul(nf, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(<f32>(1.0 / 5040.0));
  p = madd(p, r, <f32>(1.0 / 720.0));
  p = madd(p, r, <f32>(1.0 / 120.0));
  p = madd(p, r, <f32>(1.0 / 24.0));
  p = madd(p, r, <f32>(1.0 / 6.0));
  p = madd(p, r, 0.5);
  p = madd(p, r, 1.0);
  p = madd(p, r, 1.0);
  const n = i32x4.trunc_sat_f32x4_s(nf);
  const e = f32x4.mul(f32x4.mul(p, i32x4.shl(i32x4.add(n, i32x4.splat(191)), 23)), f32x4.splat(TWO_M64));
  const num = v128.bitselect(f32x4.splat(1.0), e, f32x4.ge(x, f32x4.splat(0.0)));
  return f32x4.div(num, f32x4.add(e, f32x4.splat(1.0)));
}
