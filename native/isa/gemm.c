/*
 * GEMM: C[m,n] = op(A)[m,k] @ op(B)[k,n], float32, row-major, compiled once per ISA (see kernels.h).
 *
 * Structure (Goto; BLIS and OpenBLAS do the same): op(B) is packed once per call into NR-column micro-panels
 * per K block; C is cut into tiles (GEMM_MC rows, columns chosen per call: see "Work split") that threads claim
 * from the pool's counter; a tile packs its rows of op(A) into MR-row micro-panels per K block and runs the
 * register-blocked MR x NR micro-kernel over them (smaller variants at the edges of C).
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

#if GEMM_MC % MR != 0
#error "GEMM_MC must be a multiple of the micro-tile's rows"
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

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))

#if defined(__AVX512F__)
typedef __m512 vec;
#define VW 16 /* floats per vector */
#define VZERO() _mm512_setzero_ps()
#define VLOAD(p) _mm512_load_ps(p)
#define VLOADU(p) _mm512_loadu_ps(p)
#define VSTORE(p, x) _mm512_store_ps(p, x)
#define VSTOREU(p, x) _mm512_storeu_ps(p, x)
#define VSPLAT(p) _mm512_set1_ps(*(p))
#define VFMA(x, y, z) _mm512_fmadd_ps(x, y, z)
#define VADD(x, y) _mm512_add_ps(x, y)
#else
typedef __m256 vec;
#define VW 8
#define VZERO() _mm256_setzero_ps()
#define VLOAD(p) _mm256_load_ps(p)
#define VLOADU(p) _mm256_loadu_ps(p)
#define VSTORE(p, x) _mm256_store_ps(p, x)
#define VSTOREU(p, x) _mm256_storeu_ps(p, x)
#define VSPLAT(p) _mm256_broadcast_ss(p)
#define VFMA(x, y, z) _mm256_fmadd_ps(x, y, z)
#define VADD(x, y) _mm256_add_ps(x, y)
#endif

/*
 * R rows x V vectors of C (R <= MR, V <= 2 = NR / VW) from panels packed MR x NR. The full MR x NR kernel
 * (AVX-512 12 x 32: 24 zmm accumulators, 2 for B, broadcasts folded into the FMAs; AVX2 6 x 16: 12 + 2 + 1 of
 * 16 ymm) does almost all the work; the smaller ones run the edges of C (m = 256 leaves 4 rows of a 12-row panel,
 * n = 784 16 columns of a 32-column one) without the multiply-adds of the padding. Every element is the same FMA
 * chain in each, so which kernel runs it changes no bits.
 */
static inline __attribute__((always_inline)) void micro_rv(const int R, const int V, long kc, const float *restrict a, const float *restrict b,
                                                          float *restrict c, long ldc, int mr, int nr, int first) {
  vec acc[MR][2];
#pragma GCC unroll 12
  for (int i = 0; i < R; i++) acc[i][0] = acc[i][1] = VZERO();
  for (long p = 0; p < kc; p++) {
    vec b0 = VLOAD(b), b1 = V > 1 ? VLOAD(b + VW) : b0;
#pragma GCC unroll 12
    for (int i = 0; i < R; i++) {
      vec ai = VSPLAT(a + i);
      acc[i][0] = VFMA(ai, b0, acc[i][0]);
      if (V > 1) acc[i][1] = VFMA(ai, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }
  if (mr == R && nr == V * VW) {
#pragma GCC unroll 12
    for (int i = 0; i < R; i++) {
      float *cr = c + i * ldc;
      for (int v = 0; v < V; v++) VSTOREU(cr + v * VW, first ? acc[i][v] : VADD(VLOADU(cr + v * VW), acc[i][v]));
    }
    return;
  }
  float tmp[MR * NR] __attribute__((aligned(64)));
#pragma GCC unroll 12
  for (int i = 0; i < R; i++)
    for (int v = 0; v < V; v++) VSTORE(tmp + i * NR + v * VW, acc[i][v]);
  store_tile(c, ldc, tmp, mr, nr, first);
}

#define MICRO(R, V) MICRO_DEF(R, V)
#define MICRO_DEF(R, V) \
  static void micro_##R##_##V(long kc, const float *a, const float *b, float *c, long ldc, int mr, int nr, int first) { micro_rv(R, V, kc, a, b, c, ldc, mr, nr, first); }
MICRO(MR, 2) /* expands with MR's value: micro_12_2 or micro_6_2 */
#if MR == 12
MICRO(4, 1) MICRO(4, 2) MICRO(8, 1) MICRO(8, 2) MICRO(12, 1)
#define M1 4
#define M2 8
#else
MICRO(2, 1) MICRO(2, 2) MICRO(4, 1) MICRO(4, 2) MICRO(6, 1)
#define M1 2
#define M2 4
#endif
#define MICRO_NAME(R, V) micro_##R##_##V
#define MICRO_FN(R, V) MICRO_NAME(R, V)

/* The kernel for an mr x nr piece of C: the smallest that covers it. */
static void micro(long kc, const float *restrict a, const float *restrict b, float *restrict c, long ldc, int mr, int nr, int first) {
  if (mr == MR && nr == NR) MICRO_FN(MR, 2)(kc, a, b, c, ldc, mr, nr, first);
  else if (nr > VW) (mr <= M1 ? MICRO_FN(M1, 2) : mr <= M2 ? MICRO_FN(M2, 2) : MICRO_FN(MR, 2))(kc, a, b, c, ldc, mr, nr, first);
  else (mr <= M1 ? MICRO_FN(M1, 1) : mr <= M2 ? MICRO_FN(M2, 1) : MICRO_FN(MR, 1))(kc, a, b, c, ldc, mr, nr, first);
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

/*
 * Packing is data movement only (it changes no sums). The two transposing cases, op(A) = A stored [m, k] and
 * op(B) = B^T stored [n, k] (a Dense layer's x and W), read rows and write p-major panels: the x86 builds
 * transpose 8 x 8 blocks in registers there instead of moving one float at a time with a stride (which made
 * packing a fifth of a W1 step's GEMM time).
 */

/* dst[p * w + r] = src[r * ld + p] for p < kc, r < rows (rows <= w), and 0 for rows <= r < w. */
static void pack_rows(const float *restrict src, long ld, int rows, long kc, float *restrict dst, int w);

#if defined(__AVX2__)
/* The 8 x 8 block at src (row stride ld) transposed: out[p][r] = src[r * ld + p], rows >= `rows` read as 0. */
static inline void transpose8x8(const float *src, long ld, int rows, __m256 out[8]) {
  __m256 r[8];
  if (rows == 8)
    for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + i * ld);
  else
    for (int i = 0; i < 8; i++) r[i] = i < rows ? _mm256_loadu_ps(src + i * ld) : _mm256_setzero_ps();
  __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]), t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]), t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee), u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee), u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
  out[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  out[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  out[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  out[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  out[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  out[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  out[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  out[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

static void pack_rows(const float *restrict src, long ld, int rows, long kc, float *restrict dst, int w) {
  long p = 0;
  for (; p + 8 <= kc; p += 8) {
    /* Groups of 8 panel rows; a panel of 12 (AVX-512's MR) ends with a group of 4, one of 6 (AVX2's) is one group. */
    for (int o = 0; o < w; o += 8) {
      int width = w - o < 8 ? w - o : 8, valid = rows - o;
      __m256 t[8];
      if (valid > 0) transpose8x8(src + o * ld + p, ld, valid < 8 ? valid : 8, t);
      else for (int i = 0; i < 8; i++) t[i] = _mm256_setzero_ps();
      float *d = dst + p * w + o;
      if (width == 8)
        for (int i = 0; i < 8; i++) _mm256_storeu_ps(d + i * w, t[i]);
      else if (width == 4)
        for (int i = 0; i < 8; i++) _mm_storeu_ps(d + i * w, _mm256_castps256_ps128(t[i]));
      else /* 6 */
        for (int i = 0; i < 8; i++) {
          _mm_storeu_ps(d + i * w, _mm256_castps256_ps128(t[i]));
          _mm_storel_pi((__m64 *)(d + i * w + 4), _mm256_extractf128_ps(t[i], 1));
        }
    }
  }
  for (; p < kc; p++)
    for (int r = 0; r < w; r++) dst[p * w + r] = r < rows ? src[r * ld + p] : 0.0f;
}
#else
static void pack_rows(const float *restrict src, long ld, int rows, long kc, float *restrict dst, int w) {
  for (int r = 0; r < rows; r++)
    for (long p = 0; p < kc; p++) dst[p * w + r] = src[r * ld + p];
  for (long p = 0; p < kc; p++)
    for (int r = rows; r < w; r++) dst[p * w + r] = 0.0f;
}
#endif

/* dst[p * w + r] = src[p * ld + r] for r < cols, 0 past cols: the non-transposing case (contiguous rows). */
static inline void pack_cols(const float *restrict src, long ld, int cols, long kc, float *restrict dst, int w) {
  if (cols == w) {
    /* A constant width: plain vector copies, no library call per row. */
    if (w == MR)
      for (long p = 0; p < kc; p++)
        for (int j = 0; j < MR; j++) dst[p * MR + j] = src[p * ld + j];
    else
      for (long p = 0; p < kc; p++)
        for (int j = 0; j < NR; j++) dst[p * NR + j] = src[p * ld + j];
    return;
  }
  for (long p = 0; p < kc; p++) {
    int j = 0;
    for (; j < cols; j++) dst[p * w + j] = src[p * ld + j];
    for (; j < w; j++) dst[p * w + j] = 0.0f;
  }
}

/* op(A)[i0 : i0 + mc, p0 : p0 + kc] into MR-row micro-panels (p-major inside), zero rows past mc. */
static void pack_a(const aek_gemm_args *g, long i0, long mc, long p0, long kc, float *restrict dst) {
  for (long ir = 0; ir < mc; ir += MR) {
    int rows = mc - ir < MR ? (int)(mc - ir) : MR;
    if (!g->trans_a) pack_rows(g->a + (i0 + ir) * g->k + p0, g->k, rows, kc, dst + ir * kc, MR); /* A stored [m, k] */
    else pack_cols(g->a + p0 * g->m + i0 + ir, g->m, rows, kc, dst + ir * kc, MR);             /* A stored [k, m] */
  }
}

/* op(B)[p0 : p0 + kc, j0 : j0 + nc] into NR-column micro-panels (p-major inside), zero columns past nc. */
static void pack_b(const aek_gemm_args *g, long p0, long kc, long j0, long nc, float *restrict dst) {
  for (long jr = 0; jr < nc; jr += NR) {
    int cols = nc - jr < NR ? (int)(nc - jr) : NR;
    if (!g->trans_b) pack_cols(g->b + p0 * g->n + j0 + jr, g->n, cols, kc, dst + jr * kc, NR); /* B stored [k, n] */
    else pack_rows(g->b + (j0 + jr) * g->k + p0, g->k, cols, kc, dst + jr * kc, NR);         /* B stored [n, k] */
  }
}

/*
 * Work split. No sum depends on it (see the top of this file), so it is chosen per call for speed alone:
 * - C is cut into tiles of GEMM_MC rows by as many columns as keep at least TASKS_PER_THREAD tiles per thread
 *   (at most NC_MAX: a tile's packed B stays in L2). Wide tiles pack their rows of op(A) fewer times: with the
 *   old fixed 128 columns a 256 x 784 output packed each row block of A seven times.
 * - op(B) is packed in pieces of PACK_NC columns (every K block) by the tiles that need them: a tile packs each
 *   of its pieces that nobody has claimed yet, then waits for the ones others are packing. Threads share the
 *   packing instead of one thread packing while the others wait for it.
 * - tiles are numbered column tile by column tile, so a thread's next tile mostly reuses the B panels in its L2.
 */
#define PACK_NC 64
#define NC_MAX 512
#define TASKS_PER_THREAD 6

#if PACK_NC % NR != 0 || NC_MAX % NR != 0
#error "PACK_NC and NC_MAX must be multiples of the micro-tile"
#endif

enum { PIECE_FREE = 0, PIECE_PACKING = 1, PIECE_READY = 2 };

typedef struct job {
  aek_gemm_args g;
  aek_pool *pool;        /* for each thread's A workspace */
  long mb, nb, kb;       /* tiles of rows, tiles of columns, K blocks */
  long nc;               /* columns per tile (a multiple of NR) */
  long npad;             /* n rounded up to NR */
  float *packed_b;       /* [kb][npad * KC] */
  _Atomic int *piece;    /* per PACK_NC columns of op(B): PIECE_* */
} job;

/* op(B) for columns [p * PACK_NC, + PACK_NC), every K block. */
static void pack_piece(job *J, long p) {
  long j0 = p * PACK_NC, nc = J->g.n - j0 < PACK_NC ? J->g.n - j0 : PACK_NC;
  for (long kb = 0; kb < J->kb; kb++) {
    long p0 = kb * GEMM_KC, kc = J->g.k - p0 < GEMM_KC ? J->g.k - p0 : GEMM_KC;
    pack_b(&J->g, p0, kc, j0, nc, J->packed_b + kb * J->npad * GEMM_KC + j0 * kc);
  }
}

/*
 * The packed op(B) for columns [j0, j0 + nc): pack the unclaimed pieces, then wait for the rest (a claimed piece
 * is being packed by a thread that does nothing else until it is ready: this cannot deadlock).
 */
static void need_columns(job *J, long j0, long nc) {
  long p0 = j0 / PACK_NC, p1 = (j0 + nc - 1) / PACK_NC;
  for (long p = p0; p <= p1; p++) {
    int free_ = PIECE_FREE;
    if (atomic_load_explicit(&J->piece[p], memory_order_relaxed) == PIECE_FREE &&
        atomic_compare_exchange_strong_explicit(&J->piece[p], &free_, PIECE_PACKING, memory_order_acquire, memory_order_relaxed)) {
      pack_piece(J, p);
      atomic_store_explicit(&J->piece[p], PIECE_READY, memory_order_release);
    }
  }
  for (long p = p0; p <= p1; p++)
    while (atomic_load_explicit(&J->piece[p], memory_order_acquire) != PIECE_READY) AEK_RELAX();
}

/* Task t computes one tile of C. */
static void task(void *ctx, long t, int thread) {
  job *J = (job *)ctx;
  long jb = t / J->mb, ib = t % J->mb;
  const aek_gemm_args *g = &J->g;
  long i0 = ib * GEMM_MC, mc = g->m - i0 < GEMM_MC ? g->m - i0 : GEMM_MC;
  long j0 = jb * J->nc, nc = g->n - j0 < J->nc ? g->n - j0 : J->nc;
  need_columns(J, j0, nc);
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
  int threads = aek_pool_threads(pool);
  /* Every thread's A workspace exists before the run, so a task never meets an allocation failure. */
  for (int t = 0; t < threads; t++)
    if (!aek_pool_scratch(pool, t, sizeof(float) * GEMM_MC * GEMM_KC)) return -1;
  job J;
  J.g = *g;
  J.pool = pool;
  J.mb = (g->m + GEMM_MC - 1) / GEMM_MC;
  J.kb = (g->k + GEMM_KC - 1) / GEMM_KC;
  J.npad = (g->n + NR - 1) / NR * NR;
  int parallel = (double)g->m * (double)g->n * (double)g->k >= (double)PARALLEL_MACS;
  long panels = J.npad / NR, want = parallel ? (TASKS_PER_THREAD * threads + J.mb - 1) / J.mb : 1;
  if (want < (J.npad + NC_MAX - 1) / NC_MAX) want = (J.npad + NC_MAX - 1) / NC_MAX;
  if (want > panels) want = panels;
  J.nc = (panels + want - 1) / want * NR;
  J.nb = (g->n + J.nc - 1) / J.nc;
  long pieces = (g->n + PACK_NC - 1) / PACK_NC;
  size_t packed = packed_b_bytes(g->n, g->k);
  size_t flags = sizeof(_Atomic int) * (size_t)pieces;
  char *shared = (char *)aek_pool_shared(pool, packed + flags + 64);
  if (!shared) return -1;
  J.packed_b = (float *)shared;
  J.piece = (_Atomic int *)(shared + packed);
  for (long p = 0; p < pieces; p++) atomic_init(&J.piece[p], PIECE_FREE);
  aek_pool_run(pool, J.mb * J.nb, task, &J, parallel);
  return 0;
}

const aek_gemm_isa AEK_FN(aek_gemm) = {MR, NR, gemm};
