/*
 * GEMM: C[m,n] = op(A)[m,k] @ op(B)[k,n], float32, row-major, compiled once per ISA (see kernels.h).
 *
 * Structure (Goto; BLIS and OpenBLAS do the same): op(B) is packed once per call into NR-column micro-panels
 * per K block; C is cut into MC x NC tiles that threads claim from the pool's counter; a tile packs its rows
 * of op(A) into MR-row micro-panels per K block and runs the register-blocked MR x NR micro-kernel over them.
 * Packing makes every inner loop read contiguous, aligned memory whatever the transposes.
 *
 * Micro-kernels: AVX-512 12 x 32 (24 zmm accumulators, 2 for B, broadcasts folded into the FMAs: 27 of 32
 * registers); AVX2 6 x 16 (12 ymm accumulators + 2 B + 1 broadcast: 15 of 16); the portable build 4 x 8 in
 * plain C. On Zen 4 both x86 kernels reach the same peak (two 256-bit FMA pipes; AVX-512 issues one 512-bit
 * FMA over both), but 12 x 32 loads B half as often per FMA.
 *
 * Sum order: element (i, j) accumulates p = K-block start .. end with FMAs in one register, then C = acc for
 * the first K block and C = C + acc for later ones: the same for every ISA, tile and thread count.
 */
#include <stdatomic.h>
#include <string.h>

#include "../kernels.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#define MR 12
#define NR 32
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define MR 6
#define NR 16
#else
#include <math.h>
#define MR 4
#define NR 8
#endif

#if GEMM_MC % MR != 0 || GEMM_NC % NR != 0
#error "GEMM_MC and GEMM_NC must be multiples of the micro-tile"
#endif

/* Multiply-adds below which one thread does the whole product (waking another costs ~5-50 us). */
#define PARALLEL_MACS (1L << 18)

/* Stores a finished accumulator tile: C = acc (first K block) or C = C + acc, for the valid mr x nr part. */
static inline void store_tile(float *c, long ldc, const float *acc, int mr, int nr, int first) {
  for (int r = 0; r < mr; r++) {
    float *cr = c + r * ldc;
    const float *ar = acc + r * NR;
    if (first)
      for (int j = 0; j < nr; j++) cr[j] = ar[j];
    else
      for (int j = 0; j < nr; j++) cr[j] = cr[j] + ar[j];
  }
}

#if defined(__AVX512F__)

#define ROW(i)                                                  \
  {                                                             \
    __m512 ai = _mm512_set1_ps(a[i]);                           \
    c##i##0 = _mm512_fmadd_ps(ai, b0, c##i##0);                 \
    c##i##1 = _mm512_fmadd_ps(ai, b1, c##i##1);                 \
  }
#define DECL(i) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps();
#define PUT(i)                                                                        \
  if (direct) {                                                                       \
    float *cr = c + (i) * ldc;                                                        \
    if (first) {                                                                      \
      _mm512_storeu_ps(cr, c##i##0);                                                  \
      _mm512_storeu_ps(cr + 16, c##i##1);                                             \
    } else {                                                                          \
      _mm512_storeu_ps(cr, _mm512_add_ps(_mm512_loadu_ps(cr), c##i##0));              \
      _mm512_storeu_ps(cr + 16, _mm512_add_ps(_mm512_loadu_ps(cr + 16), c##i##1));    \
    }                                                                                 \
  } else {                                                                            \
    _mm512_store_ps(tmp + (i) * NR, c##i##0);                                         \
    _mm512_store_ps(tmp + (i) * NR + 16, c##i##1);                                    \
  }

static void micro(long kc, const float *restrict a, const float *restrict b, float *restrict c, long ldc, int mr, int nr, int first) {
  DECL(0) DECL(1) DECL(2) DECL(3) DECL(4) DECL(5) DECL(6) DECL(7) DECL(8) DECL(9) DECL(10) DECL(11)
  for (long p = 0; p < kc; p++) {
    __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
    ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(10) ROW(11)
    a += MR;
    b += NR;
  }
  int direct = mr == MR && nr == NR;
  float tmp[MR * NR] __attribute__((aligned(64)));
  PUT(0) PUT(1) PUT(2) PUT(3) PUT(4) PUT(5) PUT(6) PUT(7) PUT(8) PUT(9) PUT(10) PUT(11)
  if (!direct) store_tile(c, ldc, tmp, mr, nr, first);
}

#elif defined(__AVX2__) && defined(__FMA__)

#define ROW(i)                                                  \
  {                                                             \
    __m256 ai = _mm256_broadcast_ss(a + (i));                   \
    c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0);                 \
    c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1);                 \
  }
#define DECL(i) __m256 c##i##0 = _mm256_setzero_ps(), c##i##1 = _mm256_setzero_ps();
#define PUT(i)                                                                        \
  if (direct) {                                                                       \
    float *cr = c + (i) * ldc;                                                        \
    if (first) {                                                                      \
      _mm256_storeu_ps(cr, c##i##0);                                                  \
      _mm256_storeu_ps(cr + 8, c##i##1);                                              \
    } else {                                                                          \
      _mm256_storeu_ps(cr, _mm256_add_ps(_mm256_loadu_ps(cr), c##i##0));              \
      _mm256_storeu_ps(cr + 8, _mm256_add_ps(_mm256_loadu_ps(cr + 8), c##i##1));      \
    }                                                                                 \
  } else {                                                                            \
    _mm256_store_ps(tmp + (i) * NR, c##i##0);                                         \
    _mm256_store_ps(tmp + (i) * NR + 8, c##i##1);                                     \
  }

static void micro(long kc, const float *restrict a, const float *restrict b, float *restrict c, long ldc, int mr, int nr, int first) {
  DECL(0) DECL(1) DECL(2) DECL(3) DECL(4) DECL(5)
  for (long p = 0; p < kc; p++) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5)
    a += MR;
    b += NR;
  }
  int direct = mr == MR && nr == NR;
  float tmp[MR * NR] __attribute__((aligned(32)));
  PUT(0) PUT(1) PUT(2) PUT(3) PUT(4) PUT(5)
  if (!direct) store_tile(c, ldc, tmp, mr, nr, first);
}

#else

/* Portable: fused multiply-adds where the target has them in hardware (same numbers as the x86 kernels). */
#ifdef __FP_FAST_FMAF
#define MADD(x, y, z) fmaf(x, y, z)
#else
#define MADD(x, y, z) ((x) * (y) + (z))
#endif

static void micro(long kc, const float *restrict a, const float *restrict b, float *restrict c, long ldc, int mr, int nr, int first) {
  float acc[MR * NR] = {0};
  for (long p = 0; p < kc; p++) {
    for (int r = 0; r < MR; r++)
      for (int j = 0; j < NR; j++) acc[r * NR + j] = MADD(a[r], b[j], acc[r * NR + j]);
    a += MR;
    b += NR;
  }
  store_tile(c, ldc, acc, mr, nr, first);
}

#endif

/* The epilogue (kernels.h) over rows [i0, i0 + mc) x columns [j0, j0 + nc) of C. */
static void epilogue(const aek_gemm_args *g, long i0, long mc, long j0, long nc) {
  for (long r = 0; r < mc; r++) {
    float *row = g->c + (i0 + r) * g->n + j0;
    if (g->bias) {
      const float *b = g->bias + j0;
      for (long j = 0; j < nc; j++) row[j] = row[j] + b[j];
    }
    if (g->act == AEK_ACT_RELU) {
      /* Math.max(x, 0): NaN stays NaN, -0 becomes +0 (as the maximum kernel). */
      for (long j = 0; j < nc; j++) row[j] = row[j] != row[j] ? row[j] : row[j] > 0.0f ? row[j] : 0.0f;
    } else if (g->act != AEK_ACT_NONE) {
      g->unary(g->unary_op, row, row, nc);
    }
  }
}

/* op(A)[i0 : i0 + mc, p0 : p0 + kc] into MR-row micro-panels (p-major inside), zero rows past mc. */
static void pack_a(const aek_gemm_args *g, long i0, long mc, long p0, long kc, float *restrict dst) {
  for (long ir = 0; ir < mc; ir += MR) {
    int rows = mc - ir < MR ? (int)(mc - ir) : MR;
    float *d = dst + ir * kc;
    if (!g->trans_a) {
      /* A stored [m, k]: row r of the panel is contiguous in p. */
      for (int r = 0; r < rows; r++) {
        const float *s = g->a + (i0 + ir + r) * g->k + p0;
        for (long p = 0; p < kc; p++) d[p * MR + r] = s[p];
      }
    } else {
      /* A stored [k, m]: for each p the panel's rows are contiguous. */
      for (long p = 0; p < kc; p++) {
        const float *s = g->a + (p0 + p) * g->m + i0 + ir;
        for (int r = 0; r < rows; r++) d[p * MR + r] = s[r];
      }
    }
    if (rows < MR)
      for (long p = 0; p < kc; p++)
        for (int r = rows; r < MR; r++) d[p * MR + r] = 0.0f;
  }
}

/* op(B)[p0 : p0 + kc, j0 : j0 + nc] into NR-column micro-panels (p-major inside), zero columns past nc. */
static void pack_b(const aek_gemm_args *g, long p0, long kc, long j0, long nc, float *restrict dst) {
  for (long jr = 0; jr < nc; jr += NR) {
    int cols = nc - jr < NR ? (int)(nc - jr) : NR;
    float *d = dst + jr * kc;
    if (!g->trans_b) {
      for (long p = 0; p < kc; p++) {
        const float *s = g->b + (p0 + p) * g->n + j0 + jr;
        float *dp = d + p * NR;
        int j = 0;
        for (; j < cols; j++) dp[j] = s[j];
        for (; j < NR; j++) dp[j] = 0.0f;
      }
    } else {
      /* B stored [n, k]: column j of op(B) is row j of B. */
      for (int j = 0; j < cols; j++) {
        const float *s = g->b + (j0 + jr + j) * g->k + p0;
        for (long p = 0; p < kc; p++) d[p * NR + j] = s[p];
      }
      if (cols < NR)
        for (long p = 0; p < kc; p++)
          for (int j = cols; j < NR; j++) d[p * NR + j] = 0.0f;
    }
  }
}

typedef struct job {
  aek_gemm_args g;
  aek_pool *pool; /* for each thread's A workspace */
  long mb, nb, kb; /* tiles of rows, tiles of columns, K blocks */
  long npad;       /* n rounded up to NR */
  float *packed_b; /* [kb][npad * KC] */
  _Atomic int *ready; /* per column tile: its B panels are packed */
} job;

/* op(B) for column tile jb, every K block. */
static void pack_column_tile(job *J, long jb) {
  long j0 = jb * GEMM_NC, nc = J->g.n - j0 < GEMM_NC ? J->g.n - j0 : GEMM_NC;
  for (long kb = 0; kb < J->kb; kb++) {
    long p0 = kb * GEMM_KC, kc = J->g.k - p0 < GEMM_KC ? J->g.k - p0 : GEMM_KC;
    pack_b(&J->g, p0, kc, j0, nc, J->packed_b + kb * J->npad * GEMM_KC + j0 * kc);
  }
}

/*
 * Tasks 0 .. nb-1 pack a column tile of op(B); tasks nb .. nb + mb*nb - 1 compute a C tile, after waiting for
 * its column tile's panels (claimed earlier, so some thread is packing them: this cannot deadlock).
 */
static void task(void *ctx, long t, int thread) {
  job *J = (job *)ctx;
  if (t < J->nb) {
    pack_column_tile(J, t);
    atomic_store_explicit(&J->ready[t], 1, memory_order_release);
    return;
  }
  t -= J->nb;
  long ib = t / J->nb, jb = t % J->nb;
  while (!atomic_load_explicit(&J->ready[jb], memory_order_acquire)) AEK_RELAX();
  const aek_gemm_args *g = &J->g;
  long i0 = ib * GEMM_MC, mc = g->m - i0 < GEMM_MC ? g->m - i0 : GEMM_MC;
  long j0 = jb * GEMM_NC, nc = g->n - j0 < GEMM_NC ? g->n - j0 : GEMM_NC;
  float *pa = (float *)aek_pool_scratch(J->pool, thread, sizeof(float) * GEMM_MC * GEMM_KC);
  for (long kb = 0; kb < J->kb; kb++) {
    long p0 = kb * GEMM_KC, kc = g->k - p0 < GEMM_KC ? g->k - p0 : GEMM_KC;
    pack_a(g, i0, mc, p0, kc, pa);
    const float *pb = J->packed_b + kb * J->npad * GEMM_KC + j0 * kc;
    for (long ir = 0; ir < mc; ir += MR) {
      int rows = mc - ir < MR ? (int)(mc - ir) : MR;
      for (long jr = 0; jr < nc; jr += NR) {
        int cols = nc - jr < NR ? (int)(nc - jr) : NR;
        micro(kc, pa + ir * kc, pb + jr * kc, g->c + (i0 + ir) * g->n + j0 + jr, g->n, rows, cols, kb == 0);
      }
    }
  }
  if (g->bias || g->act != AEK_ACT_NONE) epilogue(g, i0, mc, j0, nc);
}

static size_t packed_b_bytes(long n, long k) {
  long kb = (k + GEMM_KC - 1) / GEMM_KC, npad = (n + NR - 1) / NR * NR;
  return sizeof(float) * (size_t)(kb * npad * GEMM_KC);
}

/* Returns 0, or -1 when the workspace cannot be allocated (nothing is written then). */
static int gemm(aek_pool *pool, const aek_gemm_args *g) {
  if (g->m <= 0 || g->n <= 0) return 0;
  if (g->k <= 0) {
    for (long i = 0; i < g->m; i++) memset(g->c + i * g->n, 0, sizeof(float) * (size_t)g->n);
    return 0;
  }
  /* Every thread's A workspace exists before the run, so a task never meets an allocation failure. */
  for (int t = 0; t < aek_pool_threads(pool); t++)
    if (!aek_pool_scratch(pool, t, sizeof(float) * GEMM_MC * GEMM_KC)) return -1;
  job J;
  J.g = *g;
  J.pool = pool;
  J.mb = (g->m + GEMM_MC - 1) / GEMM_MC;
  J.nb = (g->n + GEMM_NC - 1) / GEMM_NC;
  J.kb = (g->k + GEMM_KC - 1) / GEMM_KC;
  J.npad = (g->n + NR - 1) / NR * NR;
  size_t packed = packed_b_bytes(g->n, g->k);
  size_t flags = sizeof(_Atomic int) * (size_t)J.nb;
  char *shared = (char *)aek_pool_shared(pool, packed + flags + 64);
  if (!shared) return -1;
  J.packed_b = (float *)shared;
  J.ready = (_Atomic int *)(shared + packed);
  for (long j = 0; j < J.nb; j++) atomic_init(&J.ready[j], 0);
  int parallel = (double)g->m * (double)g->n * (double)g->k >= (double)PARALLEL_MACS;
  aek_pool_run(pool, J.nb + J.mb * J.nb, task, &J, parallel);
  return 0;
}

const aek_gemm_isa AEK_FN(aek_gemm) = {MR, NR, gemm};
