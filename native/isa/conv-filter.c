/*
 * conv2dFilter, the kernel gradient: out [K = kh * kw * c][f] = sum over every window of every image of
 * patch (x) grad, compiled once per ISA.
 *
 * A tile is J consecutive taps of one window row (a k-range contiguous in every window) times 16 or 8 output
 * channels; it walks the windows of a unit (an image, or a band of a large one: conv-grid.h) broadcasting one
 * grid value per tap and multiply-adding it with the window's gradient row, accumulators in registers. Fewer
 * than 4 channels run the other way round: 16 taps per vector times one broadcast gradient value.
 *
 * Sum order, fixed by the shape alone: the units are split into groups of G (consecutive, G from the shape);
 * element (k, n) of a group is one fused multiply-add chain over the group's windows in order, (b, oy, ox), from
 * zero (a tile carries its accumulators from one unit to the next through the group's slot); the groups' sums
 * are then added in group order. So the bits do not depend on the thread count, the tiles or the ISA.
 */
#include "conv-grid.h"
#include "conv-vec.h"

#if defined(__AVX512F__)
#define FJ16 24 /* taps x 16 channels: 24 zmm accumulators */
#define FJ8 24  /* taps x 8 channels: 24 ymm (AVX-512 has 32) */
#define FJD 12  /* vectors of 16 taps, one channel */
#elif defined(__AVX2__) && defined(__FMA__)
#define FJ16 6 /* 12 ymm accumulators + 2 gradient vectors + 1 broadcast */
#define FJ8 12
#define FJD 6
#else
#define FJ16 2
#define FJ8 4
#define FJD 2
#endif

#define PARALLEL_MACS (1L << 18)
/* Multiply-adds per task: a group of units (images) is at least this much work, so its slot is worth adding. */
#define GROUP_MACS (1L << 20)

#define R24(X) \
  X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23)

/*
 * A tile's arguments: q = tap 0 of the tile in the unit's first window; windows ps floats apart along a row,
 * rowstep apart between output rows (oy), oh x ow of them; g = the first window's gradient (rows of ldg,
 * ncols valid from it); s = the tile's slot rows (lds apart); first: start from zero, else from the slot.
 */
#define FTILE_ARGS const float *q, long ps, long rowstep, long oh, long ow, const float *g, long ldg, int ncols, float *s, long lds, int first
typedef void (*ftile_fn)(FTILE_ARGS);

#define F16_DECL(i)                                                                         \
  VW c##i##a = vw_zero(), c##i##b = vw_zero();                                              \
  if (M > i && !first) {                                                                    \
    c##i##a = vw_load_n(s + i * lds, ncols);                                                \
    if (VN16 == 2) c##i##b = vw_load_n(s + i * lds + VWL, ncols - VWL);                     \
  }
#define F16_STEP(i)                                                                         \
  if (M > i) {                                                                              \
    VW x = vw_bcast(p + i);                                                                 \
    c##i##a = vw_fma(x, g0, c##i##a);                                                       \
    if (VN16 == 2) c##i##b = vw_fma(x, g1, c##i##b);                                        \
  }
#define F16_PUT(i)                                                                          \
  if (M > i) {                                                                              \
    vw_store_n(s + i * lds, c##i##a, ncols);                                                \
    if (VN16 == 2 && ncols > VWL) vw_store_n(s + i * lds + VWL, c##i##b, ncols - VWL);      \
  }
AEK_INLINE void ftile16(const int M, FTILE_ARGS) {
  R24(F16_DECL)
  for (long oy = 0; oy < oh; oy++, q += rowstep) {
    const float *p = q;
    for (long ox = 0; ox < ow; ox++, p += ps, g += ldg) {
      VW g0 = vw_load_n(g, ncols), g1 = VN16 == 2 ? vw_load_n(g + VWL, ncols - VWL) : g0;
      R24(F16_STEP)
      (void)g1;
    }
  }
  R24(F16_PUT)
}

#define F8_DECL(i) V8 e##i = M > i && !first ? v8_load_n(s + i * lds, ncols) : v8_zero();
#define F8_STEP(i) \
  if (M > i) e##i = v8_fma(v8_bcast(p + i), g0, e##i);
#define F8_PUT(i) \
  if (M > i) v8_store_n(s + i * lds, e##i, ncols);
AEK_INLINE void ftile8(const int M, FTILE_ARGS) {
  R24(F8_DECL)
  for (long oy = 0; oy < oh; oy++, q += rowstep) {
    const float *p = q;
    for (long ox = 0; ox < ow; ox++, p += ps, g += ldg) {
      V8 g0 = v8_load_n(g, ncols);
      R24(F8_STEP)
    }
  }
  R24(F8_PUT)
}

/*
 * One output channel, M vectors of 16 taps (the last holding ncols >= 1 taps; the rest of it is neither read
 * nor written); the slot is that channel's [K] row, s = the tile's first tap.
 */
#define FD_DECL(i)                                                                                       \
  VW d##i##a = vw_zero(), d##i##b = vw_zero();                                                           \
  if (M > i && !first) {                                                                                 \
    d##i##a = vw_load_n(s + 16 * i, i == M - 1 ? ncols : 16);                                            \
    if (VN16 == 2) d##i##b = vw_load_n(s + 16 * i + VWL, (i == M - 1 ? ncols : 16) - VWL);               \
  }
#define FD_STEP(i)                                                                                       \
  if (M > i) {                                                                                           \
    int n = i == M - 1 ? ncols : 16;                                                                     \
    d##i##a = vw_fma(n >= 16 ? vw_load(p + 16 * i) : vw_load_n(p + 16 * i, n), g0, d##i##a);             \
    if (VN16 == 2) d##i##b = vw_fma(n >= 16 ? vw_load(p + 16 * i + VWL) : vw_load_n(p + 16 * i + VWL, n - VWL), g0, d##i##b); \
  }
#define FD_PUT(i)                                                                                        \
  if (M > i) {                                                                                           \
    int n = i == M - 1 ? ncols : 16;                                                                     \
    vw_store_n(s + 16 * i, d##i##a, n);                                                                  \
    if (VN16 == 2) vw_store_n(s + 16 * i + VWL, d##i##b, n - VWL);                                       \
  }
AEK_INLINE void ftiled(const int M, FTILE_ARGS) {
  R24(FD_DECL)
  for (long oy = 0; oy < oh; oy++, q += rowstep) {
    const float *p = q;
    for (long ox = 0; ox < ow; ox++, p += ps, g += ldg) {
      VW g0 = vw_bcast(g);
      R24(FD_STEP)
    }
  }
  R24(FD_PUT)
  (void)lds;
}

#define V(kernel, m) \
  static void kernel##_##m(FTILE_ARGS) { kernel(m, q, ps, rowstep, oh, ow, g, ldg, ncols, s, lds, first); }
#define VARIANTS(kernel)                                                                                           \
  V(kernel, 1) V(kernel, 2) V(kernel, 3) V(kernel, 4) V(kernel, 5) V(kernel, 6) V(kernel, 7) V(kernel, 8)          \
  V(kernel, 9) V(kernel, 10) V(kernel, 11) V(kernel, 12) V(kernel, 13) V(kernel, 14) V(kernel, 15) V(kernel, 16)   \
  V(kernel, 17) V(kernel, 18) V(kernel, 19) V(kernel, 20) V(kernel, 21) V(kernel, 22) V(kernel, 23) V(kernel, 24)  \
  static const ftile_fn kernel##_of[25] = {0, kernel##_1, kernel##_2, kernel##_3, kernel##_4, kernel##_5,          \
    kernel##_6, kernel##_7, kernel##_8, kernel##_9, kernel##_10, kernel##_11, kernel##_12, kernel##_13, kernel##_14, \
    kernel##_15, kernel##_16, kernel##_17, kernel##_18, kernel##_19, kernel##_20, kernel##_21, kernel##_22,         \
    kernel##_23, kernel##_24};
VARIANTS(ftile16)
VARIANTS(ftile8)
VARIANTS(ftiled)

typedef struct filter_job {
  grid_plan P;
  const float *grad; /* [n, OH, OW, N] */
  long N, K, run;
  int dot;
  long group;        /* units per task */
  float *slots;      /* [tasks][K * N]: [K][N], or [N][K] for dot products */
  aek_pool *pool;
  size_t scratch;
} filter_job;

static inline long block_width(long N, long c0) { return N - c0 > 8 ? 16 : 8; }

/* The taps of one window row cut into even tiles of at most max (in taps): tile i's start and length. */
static inline void tap_tile(long run, long max, long i, long *j0, long *len) {
  long tiles = (run + max - 1) / max, base = run / tiles, extra = run % tiles;
  *j0 = i * base + (i < extra ? i : extra);
  *len = base + (i < extra ? 1 : 0);
}

static void filter_task(void *ctx, long t, int thread) {
  const filter_job *J = (const filter_job *)ctx;
  const grid_plan *P = &J->P;
  long units = P->n * P->nbands, u0 = t * J->group, u1 = u0 + J->group < units ? u0 + J->group : units;
  long N = J->N, K = J->K, run = J->run, rowlen = P->ws * P->C, ps = P->sw * P->C, rowstep = P->sh * rowlen;
  float *grid = (float *)aek_pool_scratch(J->pool, thread, J->scratch);
  float *slot = J->slots + t * K * N;
  for (long u = u0; u < u1; u++) {
    long b = u / P->nbands, r0 = (u % P->nbands) * P->band;
    long rows = P->OH - r0 < P->band ? P->OH - r0 : P->band;
    stage(P, b, r0, rows, grid);
    const float *g = J->grad + (b * P->OH + r0) * P->OW * N;
    int first = u == u0;
    for (long ky = 0; ky < P->kh; ky++) {
      const float *q = grid + ky * rowlen;
      if (J->dot) {
        long tiles = (run + 16 * FJD - 1) / (16 * FJD);
        for (long n = 0; n < N; n++)
          for (long i = 0; i < tiles; i++) {
            long j0, len;
            tap_tile(run, 16 * FJD, i, &j0, &len);
            long vecs = (len + 15) / 16;
            ftiled_of[vecs](q + j0, ps, rowstep, rows, P->OW, g + n, N, (int)(len - 16 * (vecs - 1)), slot + n * K + ky * run + j0, 0, first);
          }
        continue;
      }
      for (long c0 = 0; c0 < N; c0 += block_width(N, c0)) {
        long width = block_width(N, c0), max = width == 16 ? FJ16 : FJ8, tiles = (run + max - 1) / max;
        int ncols = (int)(N - c0 < width ? N - c0 : width);
        for (long i = 0; i < tiles; i++) {
          long j0, len;
          tap_tile(run, max, i, &j0, &len);
          (width == 16 ? ftile16_of : ftile8_of)[len](q + j0, ps, rowstep, rows, P->OW, g + c0, N, ncols, slot + (ky * run + j0) * N + c0, N, first);
        }
      }
    }
  }
}

int AEK_FN(aek_conv_filter)(aek_pool *pool, const aek_patch *g, const float *x, const float *grad, float *out, long f) {
  filter_job J;
  plan_forward(&J.P, g, x);
  long K = g->kh * g->kw * g->c, N = f;
  if (K == 0 || N == 0) return 0;
  double macs_per_row = (double)g->ow * (double)K * (double)N;
  if (g->n * g->oh * g->ow == 0) { /* no windows: every sum is empty */
    memset(out, 0, sizeof(float) * (size_t)(K * N));
    return 0;
  }
  plan_bands(&J.P, macs_per_row);
  long units = g->n * J.P.nbands;
  double unit_macs = macs_per_row * (double)J.P.band;
  long group = unit_macs >= (double)GROUP_MACS ? 1 : (long)((double)GROUP_MACS / unit_macs);
  if (group > units) group = units;
  long tasks = (units + group - 1) / group;
  J.grad = grad;
  J.N = N, J.K = K, J.run = g->kw * g->c, J.dot = N < 4, J.group = group, J.pool = pool;
  J.scratch = sizeof(float) * grid_floats(&J.P);
  for (int t = 0; t < aek_pool_threads(pool); t++)
    if (!aek_pool_scratch(pool, t, J.scratch)) return -1;
  J.slots = (float *)aek_pool_shared(pool, sizeof(float) * (size_t)(tasks * K * N));
  if (!J.slots) return -1;
  int parallel = (double)units * unit_macs >= (double)PARALLEL_MACS;
  aek_pool_run(pool, tasks, filter_task, &J, parallel);
  /* The groups' sums, added in group order. */
  if (J.dot) {
    for (long k = 0; k < K; k++)
      for (long n = 0; n < N; n++) {
        float s = J.slots[n * K + k];
        for (long t = 1; t < tasks; t++) s = s + J.slots[t * K * N + n * K + k];
        out[k * N + n] = s;
      }
  } else {
    memcpy(out, J.slots, sizeof(float) * (size_t)(K * N));
    for (long t = 1; t < tasks; t++) {
      const float *s = J.slots + t * K * N;
      for (long i = 0; i < K * N; i++) out[i] = out[i] + s[i];
    }
  }
  return 0;
}
