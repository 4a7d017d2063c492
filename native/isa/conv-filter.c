/*
 * conv2dFilter, the kernel gradient: out [K = kh * kw * c][f] = sum over every window of every image of
 * patch (x) grad, compiled once per ISA.
 *
 * A tile is JT consecutive taps of up to 3 window rows (k-ranges contiguous in every window) times 16 or 8
 * output channels; it walks the windows of a unit (an image, or a band of a large one: conv-grid.h) broadcasting
 * one grid value per tap and multiply-adding it with the window's gradient row, accumulators in registers.
 * Fewer than 4 channels run the other way round: 16 taps per vector times one broadcast gradient value.
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
#define FJD 12  /* vectors of 16 taps, one channel (a multiple of 3, as all three are) */
#elif defined(__AVX2__) && defined(__FMA__)
#define FJ16 6 /* 12 ymm accumulators + 2 gradient vectors + 1 broadcast */
#define FJ8 12
#define FJD 6
#else
#define FJ16 3
#define FJ8 3
#define FJD 3
#endif

#define PARALLEL_MACS (1L << 18)
/*
 * Groups: at least GROUP_MACS multiply-adds (so a group's slot is worth adding), at most MAX_GROUPS of them (so
 * the slots of a large kernel stay few to add: enough tasks to share among a few threads).
 */
#define GROUP_MACS (1L << 20)
#define MAX_GROUPS 32
/* The slots are summed in chunks of SUM_CHUNK outputs, on the pool from PARALLEL_SUMS additions. */
#define SUM_CHUNK 4096
#define PARALLEL_SUMS (1L << 16)

#define R24(X) \
  X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23)

/*
 * A tile is KY window rows x JT consecutive taps of each (taps (ky0 + r, j0 + t), accumulator r * JT + t), so
 * that small windows (3x3 over one channel: 9 taps) still keep enough accumulators busy in one pass.
 * Arguments: q = tap (ky0, j0) in the unit's first window; window rows rowlen apart inside a window; windows
 * ps floats apart along a row and rowstep apart between output rows, oh x ow of them; g = the first window's
 * gradient (rows of ldg, ncols valid); s = the slot of tap (ky0, j0) (taps lds apart, rows run * lds apart);
 * first: start from zero, else carry on from the slot.
 */
#define FTILE_ARGS const float *q, long rowlen, long ps, long rowstep, long oh, long ow, const float *g, long ldg, int ncols, float *s, long lds, long run, int first
typedef void (*ftile_fn)(FTILE_ARGS);

/* Accumulator i's tap in the current window (row pointers r0, r1, r2) and its slot (from s). */
#define ROWP(i) ((i) / JT == 0 ? r0 : (i) / JT == 1 ? r1 : r2)
#define TAP(i) (ROWP(i) + (i) % JT)
/*
 * The window's row pointers. The empty asm makes r1 and r2 opaque to the compiler: otherwise it turns every
 * tap of rows 1 and 2 into p plus an offset of its own, which takes more integer registers than there are.
 */
#define ROWS                                                   \
  const float *r0 = p, *r1 = p + rowlen, *r2 = p + 2 * rowlen; \
  if (KY > 1) __asm__("" : "+r"(r1));                          \
  if (KY > 2) __asm__("" : "+r"(r2));
#define SLOT(i) (((i) / JT * run + (i) % JT) * lds)

#define F16_DECL(i)                                                                         \
  VW c##i##a = vw_zero(), c##i##b = vw_zero();                                              \
  if (KY * JT > i && !first) {                                                              \
    c##i##a = vw_load_n(s + SLOT(i), ncols);                                                \
    if (VN16 == 2) c##i##b = vw_load_n(s + SLOT(i) + VWL, ncols - VWL);                     \
  }
#define F16_STEP(i)                                                                         \
  if (KY * JT > i) {                                                                        \
    VW x = vw_bcast(TAP(i));                                                            \
    c##i##a = vw_fma(x, g0, c##i##a);                                                       \
    if (VN16 == 2) c##i##b = vw_fma(x, g1, c##i##b);                                        \
  }
#define F16_PUT(i)                                                                          \
  if (KY * JT > i) {                                                                        \
    vw_store_n(s + SLOT(i), c##i##a, ncols);                                                \
    if (VN16 == 2 && ncols > VWL) vw_store_n(s + SLOT(i) + VWL, c##i##b, ncols - VWL);      \
  }
AEK_INLINE void ftile16(const int KY, const int JT, FTILE_ARGS) {
  R24(F16_DECL)
  for (long oy = 0; oy < oh; oy++, q += rowstep) {
    const float *p = q;
    for (long ox = 0; ox < ow; ox++, p += ps, g += ldg) {
      ROWS
      VW g0 = vw_load_n(g, ncols), g1 = VN16 == 2 ? vw_load_n(g + VWL, ncols - VWL) : g0;
      R24(F16_STEP)
      (void)g1;
    }
  }
  R24(F16_PUT)
}

#define F8_DECL(i) V8 e##i = KY * JT > i && !first ? v8_load_n(s + SLOT(i), ncols) : v8_zero();
#define F8_STEP(i) \
  if (KY * JT > i) e##i = v8_fma(v8_bcast(TAP(i)), g0, e##i);
#define F8_PUT(i) \
  if (KY * JT > i) v8_store_n(s + SLOT(i), e##i, ncols);
AEK_INLINE void ftile8(const int KY, const int JT, FTILE_ARGS) {
  R24(F8_DECL)
  for (long oy = 0; oy < oh; oy++, q += rowstep) {
    const float *p = q;
    for (long ox = 0; ox < ow; ox++, p += ps, g += ldg) {
      ROWS
      V8 g0 = v8_load_n(g, ncols);
      R24(F8_STEP)
    }
  }
  R24(F8_PUT)
}

/*
 * One output channel, taps 16 to a vector: KY rows x JT vectors, the last vector of each row holding ncols
 * taps (1..16; the rest of it is neither read nor written). The slot is that channel's [K] row (lds = 1).
 */
#define VTAP(i) (ROWP(i) + 16 * ((i) % JT))
#define VSLOT(i) ((i) / JT * run + 16 * ((i) % JT))
#define VLEN(i) ((i) % JT == JT - 1 ? ncols : 16)
#define FD_DECL(i)                                                                                       \
  VW d##i##a = vw_zero(), d##i##b = vw_zero();                                                           \
  if (KY * JT > i && !first) {                                                                           \
    d##i##a = vw_load_n(s + VSLOT(i), VLEN(i));                                                          \
    if (VN16 == 2) d##i##b = vw_load_n(s + VSLOT(i) + VWL, VLEN(i) - VWL);                               \
  }
#define FD_STEP(i)                                                                                       \
  if (KY * JT > i) {                                                                                     \
    d##i##a = vw_fma(vw_load_n(VTAP(i), VLEN(i)), g0, d##i##a);                                      \
    if (VN16 == 2) d##i##b = vw_fma(vw_load_n(VTAP(i) + VWL, VLEN(i) - VWL), g0, d##i##b);           \
  }
#define FD_PUT(i)                                                                                        \
  if (KY * JT > i) {                                                                                     \
    vw_store_n(s + VSLOT(i), d##i##a, VLEN(i));                                                          \
    if (VN16 == 2) vw_store_n(s + VSLOT(i) + VWL, d##i##b, VLEN(i) - VWL);                               \
  }
AEK_INLINE void ftiled(const int KY, const int JT, FTILE_ARGS) {
  R24(FD_DECL)
  for (long oy = 0; oy < oh; oy++, q += rowstep) {
    const float *p = q;
    for (long ox = 0; ox < ow; ox++, p += ps, g += ldg) {
      ROWS
      VW g0 = vw_bcast(g);
      R24(FD_STEP)
    }
  }
  R24(FD_PUT)
  (void)lds;
}

/*
 * Variants for KY = 1..3 rows of JT taps (vectors), kernel##_of[KY][JT], as many as the ISA's register tile
 * holds (compiling the larger ones for a build that never calls them would only cost time).
 */
#define V(kernel, ky, jt) \
  static void kernel##_##ky##_##jt(FTILE_ARGS) { kernel(ky, jt, q, rowlen, ps, rowstep, oh, ow, g, ldg, ncols, s, lds, run, first); }
#define ROW1(k, ky) V(k, ky, 1)
#define ROW2(k, ky) ROW1(k, ky) V(k, ky, 2)
#define ROW3(k, ky) ROW2(k, ky) V(k, ky, 3)
#define ROW4(k, ky) ROW3(k, ky) V(k, ky, 4)
#define ROW6(k, ky) ROW4(k, ky) V(k, ky, 5) V(k, ky, 6)
#define ROW8(k, ky) ROW6(k, ky) V(k, ky, 7) V(k, ky, 8)
#define ROW12(k, ky) ROW8(k, ky) V(k, ky, 9) V(k, ky, 10) V(k, ky, 11) V(k, ky, 12)
#define ROW24(k, ky) ROW12(k, ky) V(k, ky, 13) V(k, ky, 14) V(k, ky, 15) V(k, ky, 16) V(k, ky, 17) V(k, ky, 18) \
  V(k, ky, 19) V(k, ky, 20) V(k, ky, 21) V(k, ky, 22) V(k, ky, 23) V(k, ky, 24)
#define L1(k, ky) k##_##ky##_1
#define L2(k, ky) L1(k, ky), k##_##ky##_2
#define L3(k, ky) L2(k, ky), k##_##ky##_3
#define L4(k, ky) L3(k, ky), k##_##ky##_4
#define L6(k, ky) L4(k, ky), k##_##ky##_5, k##_##ky##_6
#define L8(k, ky) L6(k, ky), k##_##ky##_7, k##_##ky##_8
#define L12(k, ky) L8(k, ky), k##_##ky##_9, k##_##ky##_10, k##_##ky##_11, k##_##ky##_12
#define L24(k, ky) L12(k, ky), k##_##ky##_13, k##_##ky##_14, k##_##ky##_15, k##_##ky##_16, k##_##ky##_17, k##_##ky##_18, \
  k##_##ky##_19, k##_##ky##_20, k##_##ky##_21, k##_##ky##_22, k##_##ky##_23, k##_##ky##_24
#define XCAT(a, b) a##b
#define CAT(a, b) XCAT(a, b)
/* j1, j2, j3: the most taps per row with 1, 2, 3 rows (= the tile's accumulators / rows). */
#define VARIANTS(k, j1, j2, j3) \
  CAT(ROW, j1)(k, 1) CAT(ROW, j2)(k, 2) CAT(ROW, j3)(k, 3) \
  static const ftile_fn k##_of[4][25] = {{0}, {0, CAT(L, j1)(k, 1)}, {0, CAT(L, j2)(k, 2)}, {0, CAT(L, j3)(k, 3)}};
#if defined(__AVX512F__)
VARIANTS(ftile16, 24, 12, 8)
VARIANTS(ftile8, 24, 12, 8)
VARIANTS(ftiled, 12, 6, 4)
#elif defined(__AVX2__) && defined(__FMA__)
VARIANTS(ftile16, 6, 3, 2)
VARIANTS(ftile8, 12, 6, 4)
VARIANTS(ftiled, 6, 3, 2)
#else
VARIANTS(ftile16, 3, 1, 1)
VARIANTS(ftile8, 3, 1, 1)
VARIANTS(ftiled, 3, 1, 1)
#endif

typedef struct filter_job {
  grid_plan P;
  const float *grad; /* [n, OH, OW, N] */
  long N, K, run;
  int dot;
  long rows_per_tile; /* window rows per tile (1..3) */
  long group;         /* units per task */
  long tasks;         /* groups */
  float *out;
  float *slots;       /* [tasks][K * N]: [K][N], or [N][K] for dot products */
  aek_pool *pool;
  size_t scratch;
} filter_job;

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
    for (long ky0 = 0; ky0 < P->kh; ky0 += J->rows_per_tile) {
      int KY = (int)(P->kh - ky0 < J->rows_per_tile ? P->kh - ky0 : J->rows_per_tile);
      const float *q = grid + ky0 * rowlen;
      if (J->dot) {
        long vecs = (run + 15) / 16, tiles = tile_count(vecs, FJD / KY);
        for (long n = 0; n < N; n++)
          for (long i = 0; i < tiles; i++) {
            long v0, nv;
            even_tile(vecs, tiles, i, &v0, &nv);
            int tail = (int)((v0 + nv) * 16 > run ? run - (v0 + nv - 1) * 16 : 16);
            ftiled_of[KY][nv](q + 16 * v0, rowlen, ps, rowstep, rows, P->OW, g + n, N, tail, slot + n * K + ky0 * run + 16 * v0, 1, run, first);
          }
        continue;
      }
      for (long c0 = 0; c0 < N; c0 += block_width(N, c0)) {
        long width = block_width(N, c0), tiles = tile_count(run, (width == 16 ? FJ16 : FJ8) / KY);
        int ncols = (int)(N - c0 < width ? N - c0 : width);
        for (long i = 0; i < tiles; i++) {
          long j0, len;
          even_tile(run, tiles, i, &j0, &len);
          (width == 16 ? ftile16_of : ftile8_of)[KY][len](q + j0, rowlen, ps, rowstep, rows, P->OW, g + c0, N, ncols, slot + (ky0 * run + j0) * N + c0, N, run, first);
        }
      }
    }
  }
}

/* Elements [c * SUM_CHUNK, ...) of out = the slots' sum, slot 0 first. */
static void sum_task(void *ctx, long c, int thread) {
  (void)thread;
  const filter_job *J = (const filter_job *)ctx;
  long K = J->K, N = J->N, KN = K * N, i0 = c * SUM_CHUNK, i1 = i0 + SUM_CHUNK < KN ? i0 + SUM_CHUNK : KN;
  float *out = J->out;
  if (J->dot) { /* slots [N][K] */
    for (long i = i0; i < i1; i++) {
      long k = i / N, n = i % N;
      float s = J->slots[n * K + k];
      for (long t = 1; t < J->tasks; t++) s = s + J->slots[t * KN + n * K + k];
      out[i] = s;
    }
    return;
  }
  memcpy(out + i0, J->slots + i0, sizeof(float) * (size_t)(i1 - i0));
  for (long t = 1; t < J->tasks; t++) {
    const float *s = J->slots + t * KN;
    for (long i = i0; i < i1; i++) out[i] = out[i] + s[i];
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
  if (group < (units + MAX_GROUPS - 1) / MAX_GROUPS) group = (units + MAX_GROUPS - 1) / MAX_GROUPS;
  if (group > units) group = units;
  long tasks = (units + group - 1) / group;
  J.grad = grad;
  J.N = N, J.K = K, J.run = g->kw * g->c, J.dot = N < 4, J.group = group, J.pool = pool;
  /* Several window rows per tile only where whole rows fit one: long rows fill a tile's accumulators alone. */
  long row_accs = J.dot ? (J.run + 15) / 16 : J.run, max_accs = J.dot ? FJD : N > 8 ? FJ16 : FJ8;
  J.rows_per_tile = 3 * row_accs <= max_accs ? 3 : 2 * row_accs <= max_accs ? 2 : 1;
  J.scratch = sizeof(float) * grid_floats(&J.P);
  for (int t = 0; t < aek_pool_threads(pool); t++)
    if (!aek_pool_scratch(pool, t, J.scratch)) return -1;
  J.slots = (float *)aek_pool_shared(pool, sizeof(float) * (size_t)(tasks * K * N));
  if (!J.slots) return -1;
  int parallel = (double)units * unit_macs >= (double)PARALLEL_MACS;
  aek_pool_run(pool, tasks, filter_task, &J, parallel);
  /* The groups' sums, added in group order (chunks of the output on the pool: each element's order is fixed). */
  long chunks = (K * N + SUM_CHUNK - 1) / SUM_CHUNK;
  J.tasks = tasks;
  J.out = out;
  aek_pool_run(pool, chunks, sum_task, &J, (double)K * N * tasks >= (double)PARALLEL_SUMS);
  return 0;
}
