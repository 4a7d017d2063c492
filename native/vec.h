/*
 * Vectors for the elementwise, reduce and optimizer kernels (native/isa/elementwise.c, reduce.c, optim.c),
 * written with GCC's vector extensions rather than per-ISA intrinsics: one source, compiled to AVX-512 (64-byte
 * vectors), AVX2 (32) or the baseline (16: SSE2 on x86-64, NEON elsewhere).
 *
 * Each build uses its ISA's own register width (GCC lowers wider vectors badly: through the stack, and with an
 * internal compiler error in GCC 12's AVX2 build). The kernels' results do not depend on the width: every lane
 * runs the same IEEE operations in the same order (no fused multiply-adds: -ffp-contract=off), and the one
 * kernel that keeps partial sums (reduce.c, along a row) numbers them by element, not by lane.
 */
#ifndef AEK_VEC_H
#define AEK_VEC_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#define AEK_INLINE static inline __attribute__((always_inline))

#if defined(__AVX512F__)
#define AEK_VBYTES 64
#elif defined(__AVX__)
#define AEK_VBYTES 32
#else
#define AEK_VBYTES 16
#endif

/*
 * Floats and their bits (signed, and unsigned for shifts that must not carry the sign); doubles and their bits;
 * and the half-width float vector that converts to one vd.
 */
typedef float vf __attribute__((vector_size(AEK_VBYTES)));
typedef int32_t vi __attribute__((vector_size(AEK_VBYTES)));
typedef uint32_t vu __attribute__((vector_size(AEK_VBYTES)));
typedef double vd __attribute__((vector_size(AEK_VBYTES)));
typedef int64_t vl __attribute__((vector_size(AEK_VBYTES)));
typedef float vfh __attribute__((vector_size(AEK_VBYTES / 2)));
typedef int32_t vih __attribute__((vector_size(AEK_VBYTES / 2)));

/* The same types with the alignment of one element, for loads and stores at any float position. */
typedef float vf_u __attribute__((vector_size(AEK_VBYTES), aligned(4), may_alias));
typedef float vfh_u __attribute__((vector_size(AEK_VBYTES / 2), aligned(4), may_alias));

#define VF (AEK_VBYTES / 4) /* floats per vf */
#define VD (AEK_VBYTES / 8) /* doubles per vd, floats per vfh */

AEK_INLINE vf ldf(const float *p) { return *(const vf_u *)p; }
AEK_INLINE void stf(float *p, vf v) { *(vf_u *)p = v; }
AEK_INLINE vfh ldfh(const float *p) { return *(const vfh_u *)p; }
AEK_INLINE void stfh(float *p, vfh v) { *(vfh_u *)p = v; }

/* The first `n` (< VF) floats at p, the rest zero; and storing the first `n` lanes. */
AEK_INLINE vf ldf_part(const float *p, long n) {
  float t[VF] __attribute__((aligned(AEK_VBYTES))) = {0};
  memcpy(t, p, sizeof(float) * (size_t)n);
  return *(const vf *)t;
}
AEK_INLINE void stf_part(float *p, vf v, long n) {
  float t[VF] __attribute__((aligned(AEK_VBYTES)));
  *(vf *)t = v;
  memcpy(p, t, sizeof(float) * (size_t)n);
}
AEK_INLINE vfh ldfh_part(const float *p, long n) {
  float t[VD] __attribute__((aligned(AEK_VBYTES / 2))) = {0};
  memcpy(t, p, sizeof(float) * (size_t)n);
  return *(const vfh *)t;
}
AEK_INLINE void stfh_part(float *p, vfh v, long n) {
  float t[VD] __attribute__((aligned(AEK_VBYTES / 2)));
  *(vfh *)t = v;
  memcpy(p, t, sizeof(float) * (size_t)n);
}

/* Broadcasts (not (vf){0} + x, which turns -0 into +0). */
AEK_INLINE vf splatf(float x) {
  vf v;
  for (int i = 0; i < VF; i++) v[i] = x;
  return v;
}
AEK_INLINE vd splatd(double x) {
  vd v;
  for (int i = 0; i < VD; i++) v[i] = x;
  return v;
}

/* Lane-wise m ? x : y, for masks from comparisons (all ones or all zeros per lane). */
AEK_INLINE vf self(vi m, vf x, vf y) { return (vf)(((vi)x & m) | ((vi)y & ~m)); }
AEK_INLINE vfh selfh(vih m, vfh x, vfh y) { return (vfh)(((vih)x & m) | ((vih)y & ~m)); }
AEK_INLINE vd seld(vl m, vd x, vd y) { return (vd)(((vl)x & m) | ((vl)y & ~m)); }

/* float <-> double, round to nearest even like every float32 store of a double in JS. */
AEK_INLINE vd f2d(vfh x) { return __builtin_convertvector(x, vd); }
AEK_INLINE vfh d2f(vd x) { return __builtin_convertvector(x, vfh); }

AEK_INLINE vd absd(vd x) { return (vd)((vl)x & 0x7fffffffffffffffLL); }

/* Correctly rounded square roots (IEEE: the same in every build). */
AEK_INLINE vd sqrtd(vd x) {
#if defined(__AVX512F__)
  return (vd)_mm512_sqrt_pd((__m512d)x);
#elif defined(__AVX__)
  return (vd)_mm256_sqrt_pd((__m256d)x);
#elif defined(__SSE2__)
  return (vd)_mm_sqrt_pd((__m128d)x);
#else
  for (int i = 0; i < VD; i++) x[i] = sqrt(x[i]);
  return x;
#endif
}

AEK_INLINE vf sqrtf_v(vf x) {
#if defined(__AVX512F__)
  return (vf)_mm512_sqrt_ps((__m512)x);
#elif defined(__AVX__)
  return (vf)_mm256_sqrt_ps((__m256)x);
#elif defined(__SSE2__)
  return (vf)_mm_sqrt_ps((__m128)x);
#else
  for (int i = 0; i < VF; i++) x[i] = sqrtf(x[i]);
  return x;
#endif
}

#endif
