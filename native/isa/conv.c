/*
 * conv2d and conv2dTranspose as direct convolutions over a staged grid (conv-grid.h), compiled once per ISA.
 *
 * Why not im2col + GEMM: the layers this serves (the Keras blog autoencoder: 1 -> 16 -> 8 -> 8 channels, 3x3)
 * have 1, 8 or 16 output channels, where a GEMM's 32-wide micro-tile wastes most of its lanes and the im2col
 * matrix is 9x the image. Here a tile is up to MR windows of one output row times 16 (or 8) output channels:
 * each step broadcasts one grid value per window and multiply-adds it with one row of the packed kernel, the
 * accumulators never leave registers, and a window is addressed as tile start + i * (stride * channels), so
 * any stride and channel count takes the same path. Rows are cut into tiles as evenly as possible (28 -> 10 +
 * 9 + 9), so no lanes compute discarded windows. Fewer than 4 output channels take dot products along the
 * window rows instead (16 lanes of the window, one output channel at a time).
 *
 * Sum order: element (window, channel) accumulates its kh * kw * C products with fused multiply-adds in tap
 * order (ky, kx, c), from zero, in one lane; the dot products keep 16 partial sums (lane = tap mod 16 within a
 * window row) and add them in conv-vec.h's fixed tree. Neither depends on the tile, the band, the thread or
 * the ISA (AVX-512 and AVX2 give the same bits).
 *
 * Threads: a task is one unit (an image, or a band of rows of a large one: conv-grid.h), fixed by the shape.
 */
#include "conv-grid.h"
#include "conv-vec.h"

#if defined(__AVX512F__)
#define MR16 12 /* windows x 16 channels: 12 zmm accumulators; 12 window offsets fill the integer registers */
#define MR8 12  /* windows x 8 channels: 12 ymm */
#define MRD 8   /* windows of dot products (at most 8: their sums are added 8 at a time) */
#elif defined(__AVX2__) && defined(__FMA__)
#define MR16 6 /* 12 ymm accumulators + 2 kernel rows + 1 broadcast of the 16 registers */
#define MR8 12
#define MRD 6
#else
#define MR16 2
#define MR8 4
#define MRD 2
#endif

/* Multiply-adds below which a call runs on the calling thread alone (waking the pool costs ~5-50 us). */
#define PARALLEL_MACS (1L << 18)

#define R12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

/* A tile's arguments: a = its first window, windows ps floats apart, window rows rowlen apart, kh rows of run. */
#define TILE_ARGS const float *a, long ps, long rowlen, long kh, long run, const float *wp, float *o, long ldo, int ncols
typedef void (*tile_fn)(TILE_ARGS);

/* M windows x 16 channels; wp walks the packed kernel [K][16]; stores ncols (<= 16) channels per window. */
#define T16_DECL(i) VW c##i##a = vw_zero(), c##i##b = vw_zero();
#define T16_STEP(i)                                               \
  if (M > i) {                                                    \
    VW x = vw_bcast(a + i * ps + j);                              \
    c##i##a = vw_fma(x, w0, c##i##a);                             \
    if (VN16 == 2) c##i##b = vw_fma(x, w1, c##i##b);              \
  }
#define T16_PUT(i)                                                              \
  if (M > i) {                                                                  \
    vw_store_n(o + i * ldo, c##i##a, ncols);                                    \
    if (VN16 == 2 && ncols > VWL) vw_store_n(o + i * ldo + VWL, c##i##b, ncols - VWL); \
  }
AEK_INLINE void tile16(const int M, TILE_ARGS) {
  R12(T16_DECL)
  const float *end = a + kh * rowlen;
  do {
    for (long j = 0; j < run; j++, wp += 16) {
      VW w0 = vw_load(wp), w1 = VN16 == 2 ? vw_load(wp + VWL) : w0;
      R12(T16_STEP)
      (void)w1;
    }
    a += rowlen;
  } while (a < end);
  R12(T16_PUT)
}

/* M windows x 8 channels (ymm on both x86 builds). */
#define T8_DECL(i) V8 e##i = v8_zero();
#define T8_STEP(i) \
  if (M > i) e##i = v8_fma(v8_bcast(a + i * ps + j), w, e##i);
#define T8_PUT(i) \
  if (M > i) v8_store_n(o + i * ldo, e##i, ncols);
AEK_INLINE void tile8(const int M, TILE_ARGS) {
  R12(T8_DECL)
  const float *end = a + kh * rowlen;
  do {
    for (long j = 0; j < run; j++, wp += 8) {
      V8 w = v8_load(wp);
      R12(T8_STEP)
    }
    a += rowlen;
  } while (a < end);
  R12(T8_PUT)
}

/*
 * M windows, one output channel: dot products along each window row, 16 taps at a time; wp walks that
 * channel's packed kernel [kh][run rounded up to 16] (zeros past run); the last taps of a row are loaded
 * masked, so nothing outside the window is read (a NaN there must not leak in through a zero weight).
 */
#define D_DECL(i) VW d##i##a = vw_zero(), d##i##b = vw_zero();
#define R8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define D_STEP(i)                                                                                  \
  if (M > i) {                                                                                     \
    const float *p = a + i * ps + j;                                                               \
    d##i##a = vw_fma(full ? vw_load(p) : vw_load_n(p, left), w0, d##i##a);                         \
    if (VN16 == 2) d##i##b = vw_fma(full ? vw_load(p + VWL) : vw_load_n(p + VWL, left - VWL), w1, d##i##b); \
  }
#define D_FOLD(i) V8 f##i = M > i ? vw_fold8(d##i##a, d##i##b) : v8_zero();
AEK_INLINE void dot(const int M, TILE_ARGS) {
  R8(D_DECL)
  long runp = (run + 15) & ~15L;
  const float *end = a + kh * rowlen;
  do {
    for (long j = 0; j < run; j += 16) {
      int left = (int)(run - j), full = left >= 16;
      VW w0 = vw_load(wp + j), w1 = VN16 == 2 ? vw_load(wp + j + VWL) : w0;
      R8(D_STEP)
      (void)w1;
    }
    a += rowlen;
    wp += runp;
  } while (a < end);
  R8(D_FOLD)
  V8 sums = v8_hsum8(f0, f1, f2, f3, f4, f5, f6, f7);
  if (ldo == 1) {
    v8_store_n(o, sums, M);
  } else {
    float lane[8];
    v8_store(lane, sums);
    for (int i = 0; i < M; i++) o[i * ldo] = lane[i];
  }
  (void)ncols;
}

/* Variants for M = 1 .. the ISA's tile (kernel##_of[M]); larger ones would only cost compile time. */
#define V(kernel, m) \
  static void kernel##_##m(TILE_ARGS) { kernel(m, a, ps, rowlen, kh, run, wp, o, ldo, ncols); }
#define UPTO2(k) V(k, 1) V(k, 2)
#define UPTO4(k) UPTO2(k) V(k, 3) V(k, 4)
#define UPTO6(k) UPTO4(k) V(k, 5) V(k, 6)
#define UPTO8(k) UPTO6(k) V(k, 7) V(k, 8)
#define UPTO12(k) UPTO8(k) V(k, 9) V(k, 10) V(k, 11) V(k, 12)
#define LIST2(k) k##_1, k##_2
#define LIST4(k) LIST2(k), k##_3, k##_4
#define LIST6(k) LIST4(k), k##_5, k##_6
#define LIST8(k) LIST6(k), k##_7, k##_8
#define LIST12(k) LIST8(k), k##_9, k##_10, k##_11, k##_12
#define XCAT(a, b) a##b
#define CAT(a, b) XCAT(a, b)
#define VARIANTS(k, max) CAT(UPTO, max)(k) static const tile_fn k##_of[max + 1] = {0, CAT(LIST, max)(k)};
VARIANTS(tile16, MR16)
VARIANTS(tile8, MR8)
VARIANTS(dot, MRD)

typedef struct conv_job {
  grid_plan P;
  long N, K, run; /* output channels, taps per window, taps per window row */
  int dot;        /* N < 4: dot products */
  const float *wp;
  float *out;
  aek_pool *pool;
  size_t scratch; /* bytes of grid per thread */
} conv_job;

static void conv_task(void *ctx, long t, int thread) {
  const conv_job *J = (const conv_job *)ctx;
  const grid_plan *P = &J->P;
  long b = t / P->nbands, r0 = (t % P->nbands) * P->band;
  long rows = P->OH - r0 < P->band ? P->OH - r0 : P->band;
  float *grid = (float *)aek_pool_scratch(J->pool, thread, J->scratch);
  stage(P, b, r0, rows, grid);
  long N = J->N, rowlen = P->ws * P->C, ps = P->sw * P->C, OW = P->OW;
  for (long oy = r0; oy < r0 + rows; oy++) {
    const float *arow = grid + (oy - r0) * P->sh * rowlen;
    float *orow = J->out + (b * P->OH + oy) * OW * N;
    if (J->dot) {
      long nt = tile_count(OW, MRD), runp = (J->run + 15) & ~15L;
      for (long col = 0; col < N; col++) {
        for (long i = 0; i < nt; i++) {
          long ox, len;
          even_tile(OW, nt, i, &ox, &len);
          dot_of[len](arow + ox * ps, ps, rowlen, P->kh, J->run, J->wp + col * P->kh * runp, orow + ox * N + col, N, 1);
        }
      }
      continue;
    }
    for (long c0 = 0; c0 < N; c0 += block_width(N, c0)) {
      long width = block_width(N, c0), nt = tile_count(OW, width == 16 ? MR16 : MR8);
      int ncols = (int)(N - c0 < width ? N - c0 : width);
      for (long i = 0; i < nt; i++) {
        long ox, len;
        even_tile(OW, nt, i, &ox, &len);
        (width == 16 ? tile16_of : tile8_of)[len](arow + ox * ps, ps, rowlen, P->kh, J->run, J->wp + c0 * J->K, orow + ox * N + c0, N, ncols);
      }
    }
  }
}

/*
 * The effective kernel E [K = kh * kw * C][N] in the layout the tiles read. Forward: E = w [kh, kw, C, N].
 * Transposed: w is [kh, kw, N, C] (the forward layer's [kh, kw, c, f]) and E[ky, kx, fi, n] = w[kh-1-ky,
 * kw-1-kx, n, fi]. Blocks of 16 / 8 channels are [K][width], zeros past N; dot products get [N][kh][runp].
 */
static void pack(const conv_job *J, const float *w, int transposed, float *dst) {
  long kh = J->P.kh, kw = J->P.kw, C = J->P.C, N = J->N, K = J->K, run = J->run;
#define E(ky, kx, ci, n) (transposed ? w[(((kh - 1 - (ky)) * kw + (kw - 1 - (kx))) * N + (n)) * C + (ci)] : w[(((ky) * kw + (kx)) * C + (ci)) * N + (n)])
  if (J->dot) {
    long runp = (run + 15) & ~15L;
    for (long n = 0; n < N; n++)
      for (long ky = 0; ky < kh; ky++) {
        float *d = dst + (n * kh + ky) * runp;
        for (long kx = 0; kx < kw; kx++)
          for (long ci = 0; ci < C; ci++) d[kx * C + ci] = E(ky, kx, ci, n);
        for (long j = run; j < runp; j++) d[j] = 0.0f;
      }
    return;
  }
  for (long c0 = 0; c0 < N; c0 += block_width(N, c0)) {
    long width = block_width(N, c0);
    float *d = dst + c0 * K;
    for (long ky = 0; ky < kh; ky++)
      for (long kx = 0; kx < kw; kx++)
        for (long ci = 0; ci < C; ci++, d += width)
          for (long j = 0; j < width; j++) d[j] = c0 + j < N ? E(ky, kx, ci, c0 + j) : 0.0f;
  }
#undef E
}

static size_t packed_floats(const conv_job *J) {
  if (J->dot) return (size_t)(J->N * J->P.kh * ((J->run + 15) & ~15L));
  return (size_t)(J->K * (J->N + 8));
}

/* Runs the planned convolution of `src` (already in J->P) with kernel w into out [n, OH, OW, N]. */
static int run_conv(aek_pool *pool, conv_job *J, const float *w, int transposed, float *out) {
  grid_plan *P = &J->P;
  long units = P->n * P->OH * P->OW;
  if (units == 0 || J->N == 0) return 0;
  J->K = P->kh * P->kw * P->C;
  if (J->K == 0) { /* no input channels: every sum is empty */
    memset(out, 0, sizeof(float) * (size_t)(units * J->N));
    return 0;
  }
  J->run = P->kw * P->C;
  J->dot = J->N < 4;
  J->out = out;
  J->pool = pool;
  plan_bands(P, (double)P->OW * (double)J->K * (double)J->N);
  J->scratch = sizeof(float) * grid_floats(P);
  for (int t = 0; t < aek_pool_threads(pool); t++)
    if (!aek_pool_scratch(pool, t, J->scratch)) return -1;
  float *wp = (float *)aek_pool_shared(pool, sizeof(float) * packed_floats(J));
  if (!wp) return -1;
  pack(J, w, transposed, wp);
  J->wp = wp;
  int parallel = (double)units * (double)J->K * (double)J->N >= (double)PARALLEL_MACS;
  aek_pool_run(pool, P->n * P->nbands, conv_task, J, parallel);
  return 0;
}

static int conv2d(aek_pool *pool, const aek_patch *g, const float *x, const float *w, float *out, long f) {
  conv_job J;
  plan_forward(&J.P, g, x);
  J.N = f;
  return run_conv(pool, &J, w, 0, out);
}

static int conv2d_transpose(aek_pool *pool, const aek_patch *g, const float *grad, const float *w, float *out, long f) {
  conv_job J;
  plan_transpose(&J.P, g, grad, f);
  J.N = g->c;
  return run_conv(pool, &J, w, 1, out);
}

const aek_conv_isa AEK_FN(aek_conv) = {
    conv2d, conv2d_transpose, AEK_FN(aek_conv_filter), AEK_FN(aek_im2col), AEK_FN(aek_col2im), AEK_FN(aek_max_pool), AEK_FN(aek_max_unpool),
};
