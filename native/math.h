/*
 * exp, tanh and log for float32 data, evaluated in float64 lanes: the algorithms of the wasm kernels'
 * assembly/math.ts, operation for operation, on vectors of doubles (native/vec.h). (sigmoid: native/sigmoid.h.)
 *
 * Why float64: the reference kernels compute Math.exp/tanh/log in double and round to float32. Evaluating these
 * to ~1e-16 relative error and rounding once gives the same float32 in all but ~1 of 10^8 cases (when the exact
 * value sits within 1e-16 of a rounding boundary), so the results agree with the reference to 1 ulp and almost
 * always bit for bit. Why not libm's expf: it is a scalar call per element; these are branch-free polynomials
 * the compiler runs a vector wide. And the same operations in the same order as the wasm kernels (no fused
 * multiply-adds), so the native and wasm backends give the same bits here.
 *
 * Method: Cody-Waite range reduction and Taylor polynomials, truncation < 1e-17:
 *   exp(x)  = 2^n exp(r),          n = round(x / ln 2), |r| <= ln(2) / 2, Taylor degree 13
 *   tanh(x) = sign(x) e / (e + 2), e = expm1(2|x|) (its own series below ln(2)/2, for relative accuracy at
 *             small |x|), |x| clamped to 20 where tanh is 1 in double already
 *   log(x)  = k ln 2 + 2 atanh(s), x = m 2^k, m in [sqrt(1/2), sqrt(2)], s = (m - 1) / (m + 1)
 * Special values follow Math.*: NaN -> NaN, exp(+-Inf) = Inf / 0, tanh(+-Inf) = +-1, tanh(-0) = -0,
 * log(0) = -Inf, log(x < 0) = NaN, log(Inf) = Inf.
 */
#ifndef AEK_MATH_H
#define AEK_MATH_H

#include "vec.h"

#define AEK_LOG2E 1.4426950408889634
#define AEK_LN2_HI 6.93147180369123816490e-01 /* low 32 bits zero: n * LN2_HI is exact for |n| < 2^20 */
#define AEK_LN2_LO 1.90821492927058770002e-10
#define AEK_HALF_LN2 0.34657359027997264
#define AEK_SHIFT 6755399441055744.0 /* 1.5 * 2^52 */

/*
 * Each function evaluates AEK_U independent vectors side by side, one step of each in turn: the polynomials are
 * long dependency chains (~100 cycles for exp), and written one vector after the other the CPU's scheduler
 * fills with the first chain's waiting steps before it reaches the next (measured on Zen 4 with AVX-512: exp took
 * 2 ns per element one vector at a time, 1.3 with four). The arrays are unrolled into registers.
 */
#define AEK_U 4
#define EACH for (int j = 0; j < AEK_U; j++)

/* wasm's f64x2.pmin / pmax: b < a ? b : a and a < b ? b : a (a NaN in a stays). */
AEK_INLINE vd pmind(vd a, vd b) { return seld(b < a, b, a); }
AEK_INLINE vd pmaxd(vd a, vd b) { return seld(a < b, b, a); }

/* exp(r) for |r| <= ln(2)/2: sum of r^k / k!, k <= 13 (next term < 5e-18). */
AEK_INLINE void exp_small(vd *p, const vd *r) {
  EACH p[j] = splatd(1.0 / 6227020800.0);
  EACH p[j] = p[j] * r[j] + 1.0 / 479001600.0;
  EACH p[j] = p[j] * r[j] + 1.0 / 39916800.0;
  EACH p[j] = p[j] * r[j] + 1.0 / 3628800.0;
  EACH p[j] = p[j] * r[j] + 1.0 / 362880.0;
  EACH p[j] = p[j] * r[j] + 1.0 / 40320.0;
  EACH p[j] = p[j] * r[j] + 1.0 / 5040.0;
  EACH p[j] = p[j] * r[j] + 1.0 / 720.0;
  EACH p[j] = p[j] * r[j] + 1.0 / 120.0;
  EACH p[j] = p[j] * r[j] + 1.0 / 24.0;
  EACH p[j] = p[j] * r[j] + 1.0 / 6.0;
  EACH p[j] = p[j] * r[j] + 0.5;
  EACH p[j] = p[j] * r[j] + 1.0;
  EACH p[j] = p[j] * r[j] + 1.0;
}

/* expm1(y) for 0 <= y <= ln(2)/2: y (1 + y/2! + ... + y^13/14!), accurate relative to y. */
AEK_INLINE void expm1_small(vd *p, const vd *y) {
  EACH p[j] = splatd(1.0 / 87178291200.0);
  EACH p[j] = p[j] * y[j] + 1.0 / 6227020800.0;
  EACH p[j] = p[j] * y[j] + 1.0 / 479001600.0;
  EACH p[j] = p[j] * y[j] + 1.0 / 39916800.0;
  EACH p[j] = p[j] * y[j] + 1.0 / 3628800.0;
  EACH p[j] = p[j] * y[j] + 1.0 / 362880.0;
  EACH p[j] = p[j] * y[j] + 1.0 / 40320.0;
  EACH p[j] = p[j] * y[j] + 1.0 / 5040.0;
  EACH p[j] = p[j] * y[j] + 1.0 / 720.0;
  EACH p[j] = p[j] * y[j] + 1.0 / 120.0;
  EACH p[j] = p[j] * y[j] + 1.0 / 24.0;
  EACH p[j] = p[j] * y[j] + 1.0 / 6.0;
  EACH p[j] = p[j] * y[j] + 0.5;
  EACH p[j] = p[j] * y[j] + 1.0;
  EACH p[j] = p[j] * y[j];
}

/* exp. Inputs are clamped to [-200, 200]: beyond that the float32 result is 0 or Inf anyway. */
AEK_INLINE void exp_d(vd *out, const vd *x) {
  vd xc[AEK_U], t[AEK_U], r[AEK_U], p[AEK_U];
  EACH xc[j] = pmind(pmaxd(x[j], splatd(-200.0)), splatd(200.0));
  /* Round-to-integer by adding 1.5 * 2^52: n lands in the low mantissa bits of t, and t - SHIFT is n. */
  EACH t[j] = xc[j] * AEK_LOG2E + AEK_SHIFT;
  EACH {
    vd n = t[j] - AEK_SHIFT;
    r[j] = (xc[j] - n * AEK_LN2_HI) - n * AEK_LN2_LO;
  }
  exp_small(p, r);
  /* 2^n from its bits: (bits(t) + 1023) << 52 keeps exactly (n + 1023) << 52 (|n| <= 289, a normal double). */
  EACH out[j] = p[j] * (vd)(((vl)t[j] + 1023) << 52);
}

AEK_INLINE void tanh_d(vd *out, const vd *x) {
  vd y[AEK_U], em1[AEK_U], e[AEK_U];
  EACH y[j] = pmind(absd(x[j]), splatd(20.0)) * 2.0; /* NaN stays NaN */
  expm1_small(em1, y);
  exp_d(e, y);
  EACH {
    vd d = seld(y[j] < AEK_HALF_LN2, em1[j], e[j] - 1.0);
    vd t = d / (d + 2.0);
    out[j] = (vd)((vl)t | ((vl)x[j] & INT64_MIN)); /* t >= 0: x's sign (tanh(-0) = -0) */
  }
}

/* log(m 2^k) for m in [sqrt(1/2), sqrt(2)], k integral (both doubles). */
AEK_INLINE void log_mk(vd *out, const vd *m, const vd *k) {
  vd s[AEK_U], z[AEK_U], p[AEK_U];
  EACH {
    vd f = m[j] - 1.0;
    s[j] = f / (f + 2.0);
    z[j] = s[j] * s[j]; /* <= 0.0295: 10 terms of the atanh series leave < 2e-17 */
  }
  EACH p[j] = splatd(1.0 / 21.0);
  EACH p[j] = p[j] * z[j] + 1.0 / 19.0;
  EACH p[j] = p[j] * z[j] + 1.0 / 17.0;
  EACH p[j] = p[j] * z[j] + 1.0 / 15.0;
  EACH p[j] = p[j] * z[j] + 1.0 / 13.0;
  EACH p[j] = p[j] * z[j] + 1.0 / 11.0;
  EACH p[j] = p[j] * z[j] + 1.0 / 9.0;
  EACH p[j] = p[j] * z[j] + 1.0 / 7.0;
  EACH p[j] = p[j] * z[j] + 1.0 / 5.0;
  EACH p[j] = p[j] * z[j] + 1.0 / 3.0;
  EACH {
    vd s2 = s[j] + s[j];
    vd tail = (s2 * z[j]) * p[j] + k[j] * AEK_LN2_LO;
    out[j] = k[j] * AEK_LN2_HI + (s2 + tail);
  }
}

/* log of floats (AEK_U half-width vectors, converted to doubles). */
AEK_INLINE void log_fh(vfh *out, const vfh *x) {
  vd md[AEK_U], kd[AEK_U], r[AEK_U];
  EACH {
    /* Split x = m 2^k in float32 bits; subnormals are first scaled by 2^23 (exact). */
    vih sub = ((vih)x[j] & 0x7f800000) == 0;
    vfh xs = selfh(sub, x[j] * 8388608.0f, x[j]);
    vih k = (((vih)xs & 0x7f800000) >> 23) - 127;
    k = k - (sub & 23);
    vfh m = (vfh)(((vih)xs & 0x007fffff) | 0x3f800000); /* [1, 2) */
    /* The wasm kernel's f32x4.splat(1.41421356): the double literal rounded to float. */
    vih big = m > (float)1.41421356;
    m = selfh(big, m * 0.5f, m);
    k = k - big; /* big lanes are -1: k + 1 */
    md[j] = f2d(m);
    kd[j] = __builtin_convertvector(k, vd);
  }
  log_mk(r, md, kd);
  EACH {
    vfh v = d2f(r[j]);
    v = selfh(x[j] < 0.0f, (vfh){0} + NAN, v);
    v = selfh(x[j] == 0.0f, (vfh){0} - INFINITY, v);
    out[j] = selfh((x[j] == INFINITY) | (x[j] != x[j]), x[j], v);
  }
}

#endif
