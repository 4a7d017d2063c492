/*
 * sigmoid for float32 data in float32 lanes: the algorithm of the wasm kernels' assembly/sigmoid.ts, operation
 * for operation (no fused multiply-adds), so the native and wasm backends give the same bits.
 *
 * Why float32 and not native/math.h's float64 lanes: sigmoid is the activation of the benchmark's dense
 * networks, run over every hidden unit of every sample in the GEMM's epilogue; in float64 it cost ~1.46 ns per
 * element on one AVX-512 core (a fifth of W1's inference time), this ~0.53 (measured by a loop over 64k floats).
 * The price is accuracy: within 2 ulp of the reference's double computation rounded to float32 over all 2^32
 * inputs (equal for 97 % of them), against 1 ulp in float64. Checked by the whole-range sweep in
 * test/kernels/fast-kernels.ts.
 *
 * Method: e = e^-|x| (never overflows) by Cody-Waite range reduction, n = round(-|x| / ln 2), r = -|x| - n ln 2
 * in two parts (|r| <= ln(2) / 2), exp(r) by its Taylor polynomial of degree 7 (truncation < 6e-9 relative),
 * then 2^n from its bits. The argument is clamped to -104, where e rounds to 0 in float32; 2^n is applied as
 * 2^(n + 64) (exact, a normal float for n >= -190) then 2^-64, so a subnormal e is rounded once. Then 1/(1+e)
 * for x >= 0 and e/(1+e) below, which keeps full relative accuracy on both tails. NaN flows through as NaN
 * (the clamp's comparison is false for it; its integer n is never used once p is NaN).
 */
#ifndef AEK_SIGMOID_H
#define AEK_SIGMOID_H

#include "vec.h"

AEK_INLINE vf sigmoid_f(vf x) {
  /* Constants as the wasm kernel writes them: double literals rounded to float. */
  const float log2e = (float)1.4426950408889634, shift = (float)12582912.0 /* 1.5 * 2^23 */;
  const float ln2_hi = (float)0.693359375 /* 11 bits: n * ln2_hi is exact */, ln2_lo = (float)-2.1219444005469057e-4;
  vf ax = (vf)((vi)x & 0x7fffffff);
  vf t = self(ax > 104.0f, splatf(-104.0f), -ax);
  vf nf = (t * log2e + shift) - shift; /* round to nearest: n lands in the low mantissa bits, then back */
  vf r = (t - nf * ln2_hi) - nf * ln2_lo;
  vf p = splatf((float)(1.0 / 5040.0));
  p = p * r + (float)(1.0 / 720.0);
  p = p * r + (float)(1.0 / 120.0);
  p = p * r + (float)(1.0 / 24.0);
  p = p * r + (float)(1.0 / 6.0);
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  vu n = (vu)__builtin_convertvector(nf, vi);
  vf e = (p * (vf)((n + 191u) << 23)) * (float)5.421010862427522e-20 /* 2^-64 */;
  return self(x >= 0.0f, splatf(1.0f), e) / (e + 1.0f);
}

#endif
