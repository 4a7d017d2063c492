/*
 * Reductions of a dense [outer, n, inner] float32 array along the middle axis (native/elementwise.h), with
 * the semantics of src/kernels/ref/reduce.ts:
 * - sum accumulates in float64. With inner > 1 each column is summed in the reference's order (i = 0, 1, ...,
 *   columns side by side in vector lanes), so results are bit-identical. With inner == 1 (one long row) the
 *   row is summed in 32 float64 partial sums, combined in a fixed order at the end: a different float64 order
 *   whose error (~n * 2^-53 relative) vanishes when the result is rounded to float32 (to within 1 float32 ulp),
 *   and the same order in every build and for any split (the partial sums are numbered by element).
 * - max keeps the first maximal element (`v > m`), lets a NaN win and stay. Per column (inner > 1) that is
 *   exactly the lane-wise compare-and-select. Along a row, values that compare equal are bit-equal except +0
 *   and -0, so when the maximum is a zero we rescan for the first zero to return its sign as the reference does.
 * Work is split only between outputs (rows, or blocks of columns), never inside one output's sum.
 */
#include "../elementwise.h"
#include "../vec.h"

/* Take v where v > m or v is NaN, except once m is NaN (NaN > x is false, NaN stays). */
AEK_INLINE vf max_step(vf m, vf v) { return self(((v > m) | (v != v)) & (m == m), v, m); }
AEK_INLINE float max_step1(float m, float v) { return m != m ? m : (v > m || v != v ? v : m); }

/*
 * A row's sum in 32 float64 partial sums: element i goes to sum i % 32 (however many vectors hold them), and
 * the 32 are added pairwise in a fixed order at the end, then the leftover elements in order.
 */
#define PARTIALS 32

static float sum_row(const float *x, long n) {
  vd acc[PARTIALS / VD];
  for (int l = 0; l < PARTIALS / VD; l++) acc[l] = splatd(0.0);
  long i = 0;
  for (; i + PARTIALS <= n; i += PARTIALS)
    for (int l = 0; l < PARTIALS / VD; l++) acc[l] += f2d(ldfh(x + i + l * VD));
  double s[PARTIALS];
  memcpy(s, acc, sizeof s);
  for (int w = PARTIALS / 2; w >= 1; w /= 2)
    for (int l = 0; l < w; l++) s[l] += s[l + w];
  double sum = s[0];
  for (; i < n; i++) sum += (double)x[i];
  return (float)sum;
}

static float max_row(const float *x, long n) {
  vf m = splatf(-INFINITY);
  long i = 0;
  for (; i + VF <= n; i += VF) m = max_step(m, ldf(x + i));
  float r = -INFINITY;
  for (int l = 0; l < VF; l++) r = max_step1(r, m[l]);
  for (; i < n; i++) r = max_step1(r, x[i]);
  if (r == 0.0f) {
    /* The maximum is a zero: the reference returns the first zero it met. */
    for (long j = 0; j < n; j++)
      if (x[j] == 0.0f) return x[j];
  }
  return r;
}

/*
 * Columns per block of the column-wise kernels: four vectors of doubles side by side (independent sums, so
 * latency overlaps). Each column is summed on its own, in order, so the grouping changes nothing in the bits.
 */
#define COLS (4 * VD)

/* out[j] = sum over i of x[i * inner + j], for columns [j0, j1). */
static void sum_cols(const float *x, long n, long inner, float *out, long j0, long j1) {
  long j = j0;
  for (; j + COLS <= j1; j += COLS) {
    vd a0 = splatd(0.0), a1 = a0, a2 = a0, a3 = a0;
    const float *p = x + j;
    for (long i = 0; i < n; i++, p += inner) {
      a0 += f2d(ldfh(p));
      a1 += f2d(ldfh(p + VD));
      a2 += f2d(ldfh(p + 2 * VD));
      a3 += f2d(ldfh(p + 3 * VD));
    }
    stfh(out + j, d2f(a0));
    stfh(out + j + VD, d2f(a1));
    stfh(out + j + 2 * VD, d2f(a2));
    stfh(out + j + 3 * VD, d2f(a3));
  }
  /*
   * The last (fewer than COLS) columns: whole vectors with plain loads, two side by side, then one, and at most
   * one partial vector through the slow masked path (inner = 16 with AVX-512 is two whole vectors). Named
   * accumulators, not an array, so they stay in registers: this runs once per row for short rows.
   */
  for (; j + 2 * VD <= j1; j += 2 * VD) {
    vd a0 = splatd(0.0), a1 = a0;
    const float *p = x + j;
    for (long i = 0; i < n; i++, p += inner) {
      a0 += f2d(ldfh(p));
      a1 += f2d(ldfh(p + VD));
    }
    stfh(out + j, d2f(a0));
    stfh(out + j + VD, d2f(a1));
  }
  for (; j + VD <= j1; j += VD) {
    vd a = splatd(0.0);
    const float *p = x + j;
    for (long i = 0; i < n; i++, p += inner) a += f2d(ldfh(p));
    stfh(out + j, d2f(a));
  }
  if (j < j1) {
    long m = j1 - j;
    vd a = splatd(0.0);
    const float *p = x + j;
    for (long i = 0; i < n; i++, p += inner) a += f2d(ldfh_part(p, m));
    stfh_part(out + j, d2f(a), m);
  }
}

static void max_cols(const float *x, long n, long inner, float *out, long j0, long j1) {
  long j = j0;
  for (; j + 2 * VF <= j1; j += 2 * VF) {
    vf m0 = splatf(-INFINITY), m1 = m0;
    const float *p = x + j;
    for (long i = 0; i < n; i++, p += inner) {
      m0 = max_step(m0, ldf(p));
      m1 = max_step(m1, ldf(p + VF));
    }
    stf(out + j, m0);
    stf(out + j + VF, m1);
  }
  for (; j + VF <= j1; j += VF) {
    vf a = splatf(-INFINITY);
    const float *p = x + j;
    for (long i = 0; i < n; i++, p += inner) a = max_step(a, ldf(p));
    stf(out + j, a);
  }
  if (j < j1) {
    long m = j1 - j;
    vf a = splatf(-INFINITY);
    const float *p = x + j;
    for (long i = 0; i < n; i++, p += inner) a = max_step(a, ldf_part(p, m));
    stf_part(out + j, a, m);
  }
}

typedef struct reduce_args {
  const float *x;
  float *out;
  long outer, n, inner, blocks, block; /* column blocks per row of the output, and their width */
  int op;
} reduce_args;

/* Rows [o0, o1) of a reduction along the last axis. */
static void rows_span(const void *args, long o0, long o1) {
  const reduce_args *r = (const reduce_args *)args;
  for (long o = o0; o < o1; o++) r->out[o] = r->op == AEK_REDUCE_SUM ? sum_row(r->x + o * r->n, r->n) : max_row(r->x + o * r->n, r->n);
}

/* Tasks [t0, t1) of (output row, column block) pairs. */
static void blocks_span(const void *args, long t0, long t1) {
  const reduce_args *r = (const reduce_args *)args;
  for (long t = t0; t < t1; t++) {
    long o = t / r->blocks, j0 = t % r->blocks * r->block, j1 = j0 + r->block < r->inner ? j0 + r->block : r->inner;
    const float *x = r->x + o * r->n * r->inner;
    float *out = r->out + o * r->inner;
    if (r->op == AEK_REDUCE_SUM) sum_cols(x, r->n, r->inner, out, j0, j1);
    else max_cols(x, r->n, r->inner, out, j0, j1);
  }
}

void AEK_FN(aek_reduce)(aek_pool *pool, int op, const float *x, long outer, long n, long inner, float *out) {
  if (outer <= 0 || inner <= 0) return;
  if (n <= 0) {
    for (long i = 0; i < outer * inner; i++) out[i] = op == AEK_REDUCE_SUM ? 0.0f : -INFINITY;
    return;
  }
  int parallel = outer * n * inner >= AEK_PARALLEL_SIMPLE;
  reduce_args r = {x, out, outer, n, inner, 1, inner, op};
  if (inner == 1) {
    aek_run_spans(pool, rows_span, &r, outer, AEK_CHUNK / n, parallel);
    return;
  }
  /* Blocks of whole COLS-column groups, ~CHUNK elements each (at least one group: n may exceed CHUNK). */
  long block = (AEK_CHUNK / n + COLS - 1) / COLS * COLS;
  if (block < COLS) block = COLS;
  r.block = block < inner ? block : inner;
  r.blocks = (inner + r.block - 1) / r.block;
  /* ~CHUNK elements per task: many short rows (an upsampling's gradient, [25088, 2, 16]) go many to a task. */
  long per = AEK_CHUNK / (n * r.block);
  aek_run_spans(pool, blocks_span, &r, outer * r.blocks, per > 1 ? per : 1, parallel);
}
