/*
 * The vectors the convolution kernels are written in, whatever the ISA:
 *   V8  8 floats (a ymm on both x86 builds; a GCC generic vector in the portable build);
 *   VW  the widest vector, of VWL lanes: a zmm (16) with AVX-512, else V8. A 16-float row is VN16 = 16 / VWL
 *       of them, so one kernel source covers both (AVX2 keeps two accumulators where AVX-512 keeps one: GCC
 *       keeps arrays of plain vectors in registers, which it does not do for a struct of two).
 * Every lane does the same operations in the same order on every ISA, so a kernel written in them gives the
 * same bits on AVX-512 and AVX2 (fused multiply-adds on both); only register tiles differ, and those never
 * change a sum's order. 16 partial sums are added in one fixed tree on both: vw_fold8 adds lanes i and i + 8,
 * then v8_hsum8 (8 such sums at a time) adds ((0 + 1) + (2 + 3)) + ((4 + 5) + (6 + 7)).
 * The pooling kernels' masks (VM, from vw_take) select whole lanes, so they are exact on every build.
 */
#ifndef AEK_CONV_VEC_H
#define AEK_CONV_VEC_H

#include <string.h>

#define AEK_INLINE static inline __attribute__((always_inline))

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

typedef __m256 V8;
/* Lane masks for maskload / maskstore: the first n of 8 lanes. */
AEK_INLINE __m256i aek_mask8(int n) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
AEK_INLINE V8 v8_zero(void) { return _mm256_setzero_ps(); }
AEK_INLINE V8 v8_load(const float *p) { return _mm256_loadu_ps(p); }
/*
 * The first n lanes from p, zeros after; nothing past them is read (n <= 0: nothing at all). With AVX-512VL as
 * mask-register loads and stores (AVX's vmaskmovps store is microcoded on AMD).
 */
#ifdef __AVX512VL__
AEK_INLINE __mmask8 aek_kmask8(int n) { return n <= 0 ? 0 : (__mmask8)((1u << n) - 1); }
AEK_INLINE V8 v8_load_n(const float *p, int n) { return n >= 8 ? _mm256_loadu_ps(p) : _mm256_maskz_loadu_ps(aek_kmask8(n), p); }
#else
AEK_INLINE V8 v8_load_n(const float *p, int n) { return n >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, aek_mask8(n)); }
#endif
AEK_INLINE V8 v8_bcast(const float *p) { return _mm256_broadcast_ss(p); }
AEK_INLINE V8 v8_fma(V8 a, V8 b, V8 c) { return _mm256_fmadd_ps(a, b, c); }
AEK_INLINE V8 v8_add(V8 a, V8 b) { return _mm256_add_ps(a, b); }
AEK_INLINE void v8_store(float *p, V8 v) { _mm256_storeu_ps(p, v); }
AEK_INLINE void v8_store_n(float *p, V8 v, int n) {
  if (n >= 8) _mm256_storeu_ps(p, v);
#ifdef __AVX512VL__
  else _mm256_mask_storeu_ps(p, aek_kmask8(n), v);
#else
  else _mm256_maskstore_ps(p, aek_mask8(n), v);
#endif
}
/* Pooling's lane masks (see vw_take below): all-ones lanes. */
typedef __m256 V8M;
AEK_INLINE V8M v8_take(V8 m, V8 x) {
  return _mm256_and_ps(_mm256_cmp_ps(m, m, _CMP_ORD_Q), _mm256_or_ps(_mm256_cmp_ps(x, m, _CMP_GT_OQ), _mm256_cmp_ps(x, x, _CMP_UNORD_Q)));
}
AEK_INLINE V8 v8_select(V8M t, V8 a, V8 b) { return _mm256_blendv_ps(a, b, t); }
AEK_INLINE V8 v8_where_eq(V8 a, V8 b, V8 v) { return _mm256_and_ps(_mm256_cmp_ps(a, b, _CMP_EQ_OQ), v); }
/*
 * The sums of 8 vectors at once, lane i = the sum of v_i's lanes, added ((0 + 1) + (2 + 3)) + ((4 + 5) + (6 + 7)):
 * horizontal adds within each 128-bit half, then the halves.
 */
AEK_INLINE V8 v8_hsum8(V8 v0, V8 v1, V8 v2, V8 v3, V8 v4, V8 v5, V8 v6, V8 v7) {
  __m256 t0123 = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3));
  __m256 t4567 = _mm256_hadd_ps(_mm256_hadd_ps(v4, v5), _mm256_hadd_ps(v6, v7));
  return _mm256_add_ps(_mm256_permute2f128_ps(t0123, t4567, 0x20), _mm256_permute2f128_ps(t0123, t4567, 0x31));
}

#else /* portable: GCC generic vectors, lowered to whatever the target has */

/* Only inlined functions take and return these, so the note that their ABI differs with AVX does not apply. */
#pragma GCC diagnostic ignored "-Wpsabi"

typedef float V8 __attribute__((vector_size(32)));
AEK_INLINE V8 v8_zero(void) { return (V8){0, 0, 0, 0, 0, 0, 0, 0}; }
AEK_INLINE V8 v8_load(const float *p) { V8 r; memcpy(&r, p, sizeof r); return r; }
AEK_INLINE V8 v8_load_n(const float *p, int n) {
  V8 r = v8_zero();
  if (n > 0) memcpy(&r, p, sizeof(float) * (size_t)(n < 8 ? n : 8));
  return r;
}
AEK_INLINE V8 v8_bcast(const float *p) { return v8_zero() + *p; }
/* Unfused: a portable target may lack the instruction (the GEMM's portable kernel does the same). */
AEK_INLINE V8 v8_fma(V8 a, V8 b, V8 c) { return a * b + c; }
AEK_INLINE V8 v8_add(V8 a, V8 b) { return a + b; }
AEK_INLINE void v8_store(float *p, V8 v) { memcpy(p, &v, sizeof v); }
AEK_INLINE void v8_store_n(float *p, V8 v, int n) {
  if (n > 0) memcpy(p, &v, sizeof(float) * (size_t)(n < 8 ? n : 8));
}
typedef int V8M __attribute__((vector_size(32)));
AEK_INLINE V8M v8_take(V8 m, V8 x) { return (m == m) & ((x > m) | (x != x)); }
AEK_INLINE V8 v8_select(V8M t, V8 a, V8 b) { return (V8)(((V8M)a & ~t) | ((V8M)b & t)); }
AEK_INLINE V8 v8_where_eq(V8 a, V8 b, V8 v) { return (V8)((V8M)v & (a == b)); }
AEK_INLINE float aek_sum8(V8 s) { return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])); }
AEK_INLINE V8 v8_hsum8(V8 v0, V8 v1, V8 v2, V8 v3, V8 v4, V8 v5, V8 v6, V8 v7) {
  return (V8){aek_sum8(v0), aek_sum8(v1), aek_sum8(v2), aek_sum8(v3), aek_sum8(v4), aek_sum8(v5), aek_sum8(v6), aek_sum8(v7)};
}

#endif

#if defined(__AVX512F__)

typedef __m512 VW;
#define VWL 16
AEK_INLINE VW vw_zero(void) { return _mm512_setzero_ps(); }
AEK_INLINE VW vw_load(const float *p) { return _mm512_loadu_ps(p); }
AEK_INLINE VW vw_load_n(const float *p, int n) {
  return n >= 16 ? _mm512_loadu_ps(p) : n <= 0 ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p);
}
AEK_INLINE VW vw_bcast(const float *p) { return _mm512_set1_ps(*p); }
AEK_INLINE VW vw_fma(VW a, VW b, VW c) { return _mm512_fmadd_ps(a, b, c); }
AEK_INLINE VW vw_add(VW a, VW b) { return _mm512_add_ps(a, b); }
AEK_INLINE void vw_store(float *p, VW v) { _mm512_storeu_ps(p, v); }
AEK_INLINE void vw_store_n(float *p, VW v, int n) {
  if (n >= 16) _mm512_storeu_ps(p, v);
  else if (n > 0) _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), v);
}
/* Lane masks for pooling: take (m, x) = where x replaces the kept m (x greater or NaN, m not NaN, as reduce 'max'). */
typedef __mmask16 VM;
AEK_INLINE VM vw_take(VW m, VW x) {
  return _mm512_cmp_ps_mask(m, m, _CMP_ORD_Q) & (_mm512_cmp_ps_mask(x, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q));
}
/* t ? b : a, per lane. */
AEK_INLINE VW vw_select(VM t, VW a, VW b) { return _mm512_mask_blend_ps(t, a, b); }
/* v where a == b, else 0. */
AEK_INLINE VW vw_where_eq(VW a, VW b, VW v) { return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ), v); }

/* 16 lanes held as VN16 vectors (a; b unused here), folded to 8: lane i + lane i + 8. */
AEK_INLINE V8 vw_fold8(VW a, VW b) {
  (void)b;
  return _mm256_add_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1));
}

#else

typedef V8 VW;
#define VWL 8
AEK_INLINE VW vw_zero(void) { return v8_zero(); }
AEK_INLINE VW vw_load(const float *p) { return v8_load(p); }
AEK_INLINE VW vw_load_n(const float *p, int n) { return v8_load_n(p, n); }
AEK_INLINE VW vw_bcast(const float *p) { return v8_bcast(p); }
AEK_INLINE VW vw_fma(VW a, VW b, VW c) { return v8_fma(a, b, c); }
AEK_INLINE VW vw_add(VW a, VW b) { return v8_add(a, b); }
AEK_INLINE void vw_store(float *p, VW v) { v8_store(p, v); }
AEK_INLINE void vw_store_n(float *p, VW v, int n) { v8_store_n(p, v, n); }
AEK_INLINE V8 vw_fold8(VW a, VW b) { return v8_add(a, b); }
typedef V8M VM;
AEK_INLINE VM vw_take(VW m, VW x) { return v8_take(m, x); }
AEK_INLINE VW vw_select(VM t, VW a, VW b) { return v8_select(t, a, b); }
AEK_INLINE VW vw_where_eq(VW a, VW b, VW v) { return v8_where_eq(a, b, v); }

#endif

/* Vectors per 16 floats. */
#define VN16 (16 / VWL)

#endif
