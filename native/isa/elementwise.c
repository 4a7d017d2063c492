/*
 * Elementwise kernels (unary, binary, where) and strided copies, compiled once per ISA (native/elementwise.h).
 * Semantics follow the reference kernels (src/kernels/ref/elementwise.ts) like the wasm ones (assembly/
 * elementwise.ts) do:
 * - add/sub/mul/div/sqrt in float32 give the reference's float64 result rounded to float32 (double rounding is
 *   harmless for + - * / sqrt because 53 >= 2 * 24 + 2);
 * - maximum is Math.max: NaN in either operand gives NaN, and max(+0, -0) = +0;
 * - comparisons give 1 or 0, and 0 whenever a NaN is involved;
 * - exp/log/tanh: native/math.h, float64 lanes, within 1 ulp of Math.* and almost always equal;
 * - sigmoid: native/sigmoid.h, float32 lanes, within 2 ulp of the reference (the wasm kernel's bits).
 * Every element goes through the same vector code (a partial vector at the end of a row is padded), so its
 * result never depends on its position, on the split into tasks, or on the ISA.
 */
#include "../elementwise.h"
#include "../math.h"
#include "../sigmoid.h"

/* ---------------------------------------------------------------- unary */

AEK_INLINE vf unary_simple(int op, vf x) {
  switch (op) {
    case AEK_NEG: return -x;
    case AEK_ABS: return (vf)((vi)x & 0x7fffffff);
    case AEK_SQRT: return sqrtf_v(x);
    case AEK_SIGMOID: return sigmoid_f(x);
    default: {
      /* sign: -1/+1 by the sign bit, but x itself for +-0 and NaN (Math.sign(-0) = -0, Math.sign(NaN) = NaN). */
      vi keep = (x == 0.0f) | (x != x);
      return self(keep, x, (vf)(((vi)x & INT32_MIN) | 0x3f800000));
    }
  }
}

/* exp, log or tanh of AEK_U half-width vectors (native/math.h), evaluated side by side. */
AEK_INLINE void unary_f64(int op, vfh *out, const vfh *x) {
  if (op == AEK_LOG) {
    log_fh(out, x);
    return;
  }
  vd d[AEK_U], r[AEK_U];
  EACH d[j] = f2d(x[j]);
  if (op == AEK_EXP) exp_d(r, d);
  else tanh_d(r, d);
  EACH out[j] = d2f(r[j]);
}

AEK_INLINE void unary_loop(int op, const float *x, float *out, long n) {
  long i = 0;
  if (op == AEK_EXP || op == AEK_LOG || op == AEK_TANH) {
    const long step = AEK_U * VD;
    vfh a[AEK_U], r[AEK_U];
    for (; i + step <= n; i += step) {
      EACH a[j] = ldfh(x + i + j * VD);
      unary_f64(op, r, a);
      EACH stfh(out + i + j * VD, r[j]);
    }
    if (i < n) {
      /* The last n - i < step elements, zero-padded: the same lane arithmetic as every other element. */
      float t[AEK_U * VD] __attribute__((aligned(AEK_VBYTES))) = {0};
      memcpy(t, x + i, sizeof(float) * (size_t)(n - i));
      EACH a[j] = ldfh(t + j * VD);
      unary_f64(op, r, a);
      EACH stfh(t + j * VD, r[j]);
      memcpy(out + i, t, sizeof(float) * (size_t)(n - i));
    }
    return;
  }
  for (; i + VF <= n; i += VF) stf(out + i, unary_simple(op, ldf(x + i)));
  if (i < n) stf_part(out + i, unary_simple(op, ldf_part(x + i, n - i)), n - i);
}

/* One function per op, so each loop is compiled with its op as a constant. */
#define UNARY_FN(name, OP) \
  static void name(const float *x, float *out, long n) { unary_loop(OP, x, out, n); }
UNARY_FN(u_neg, AEK_NEG)
UNARY_FN(u_exp, AEK_EXP)
UNARY_FN(u_log, AEK_LOG)
UNARY_FN(u_sqrt, AEK_SQRT)
UNARY_FN(u_tanh, AEK_TANH)
UNARY_FN(u_abs, AEK_ABS)
UNARY_FN(u_sign, AEK_SIGN)
UNARY_FN(u_sigmoid, AEK_SIGMOID)
static void (*const UNARY[8])(const float *, float *, long) = {u_neg, u_exp, u_log, u_sqrt, u_tanh, u_abs, u_sign, u_sigmoid};

typedef struct unary_args {
  void (*fn)(const float *, float *, long);
  const float *x;
  float *out;
} unary_args;

static void unary_span(const void *args, long i0, long i1) {
  const unary_args *u = (const unary_args *)args;
  u->fn(u->x + i0, u->out + i0, i1 - i0);
}

static void unary(aek_pool *pool, int op, const float *x, float *out, long n) {
  if (op < 0 || op > 7) return;
  int heavy = op == AEK_EXP || op == AEK_LOG || op == AEK_TANH || op == AEK_SIGMOID;
  unary_args u = {UNARY[op], x, out};
  aek_run_spans(pool, unary_span, &u, n, AEK_CHUNK, n >= (heavy ? AEK_PARALLEL_HEAVY : AEK_PARALLEL_SIMPLE));
}

/* ---------------------------------------------------------------- binary */

AEK_INLINE vf binary_v(int op, vf a, vf b) {
  const vi one = (vi){0} + 0x3f800000;
  switch (op) {
    case AEK_ADD: return a + b;
    case AEK_SUB: return a - b;
    case AEK_MUL: return a * b;
    case AEK_DIV: return a / b;
    case AEK_MAXIMUM: {
      /* The larger; of equal values the AND of their bits (+0 for +0 and -0); NaN when either is NaN. */
      vf r = self(a > b, a, b);
      r = self(a == b, (vf)((vi)a & (vi)b), r);
      return self((a != a) | (b != b), a + b, r);
    }
    case AEK_GT: return (vf)((a > b) & one);
    case AEK_GE: return (vf)((a >= b) & one);
    case AEK_LT: return (vf)((a < b) & one);
    case AEK_LE: return (vf)((a <= b) & one);
    default: return (vf)((a == b) & one);
  }
}

/* One row out[j] = A[j * ac] op B[j * bc], j < len (0: a broadcast value). */
AEK_INLINE void binary_row(int op, const float *a, int ac, const float *b, int bc, float *out, long len) {
  long j = 0;
  if (ac && bc) {
    for (; j + VF <= len; j += VF) stf(out + j, binary_v(op, ldf(a + j), ldf(b + j)));
    if (j < len) stf_part(out + j, binary_v(op, ldf_part(a + j, len - j), ldf_part(b + j, len - j)), len - j);
  } else if (ac) {
    vf y = splatf(*b);
    for (; j + VF <= len; j += VF) stf(out + j, binary_v(op, ldf(a + j), y));
    if (j < len) stf_part(out + j, binary_v(op, ldf_part(a + j, len - j), y), len - j);
  } else if (bc) {
    vf x = splatf(*a);
    for (; j + VF <= len; j += VF) stf(out + j, binary_v(op, x, ldf(b + j)));
    if (j < len) stf_part(out + j, binary_v(op, x, ldf_part(b + j, len - j)), len - j);
  } else {
    vf v = binary_v(op, splatf(*a), splatf(*b));
    for (; j + VF <= len; j += VF) stf(out + j, v);
    if (j < len) stf_part(out + j, v, len - j);
  }
}

typedef struct binary_args {
  void (*fn)(const struct binary_args *, long r0, long r1, long j0, long j1);
  const float *a, *b;
  float *out;
  long ar, br, rows, cols;
  int ac, bc;
} binary_args;

/* Rows [r0, r1), columns [j0, j1) of each. */
AEK_INLINE void binary_block(int op, const binary_args *g, long r0, long r1, long j0, long j1) {
  for (long r = r0; r < r1; r++) {
    binary_row(op, g->a + r * g->ar + j0 * g->ac, g->ac, g->b + r * g->br + j0 * g->bc, g->bc, g->out + r * g->cols + j0, j1 - j0);
  }
}

#define BINARY_FN(name, OP) \
  static void name(const binary_args *g, long r0, long r1, long j0, long j1) { binary_block(OP, g, r0, r1, j0, j1); }
BINARY_FN(b_add, AEK_ADD)
BINARY_FN(b_sub, AEK_SUB)
BINARY_FN(b_mul, AEK_MUL)
BINARY_FN(b_div, AEK_DIV)
BINARY_FN(b_max, AEK_MAXIMUM)
BINARY_FN(b_gt, AEK_GT)
BINARY_FN(b_ge, AEK_GE)
BINARY_FN(b_lt, AEK_LT)
BINARY_FN(b_le, AEK_LE)
BINARY_FN(b_eq, AEK_EQ)
static void (*const BINARY[10])(const binary_args *, long, long, long, long) = {b_add, b_sub, b_mul, b_div, b_max, b_gt, b_ge, b_lt, b_le, b_eq};

static void binary_rows_span(const void *args, long r0, long r1) {
  const binary_args *g = (const binary_args *)args;
  g->fn(g, r0, r1, 0, g->cols);
}

static void binary_cols_span(const void *args, long j0, long j1) {
  const binary_args *g = (const binary_args *)args;
  g->fn(g, 0, 1, j0, j1);
}

static void binary(aek_pool *pool, int op, const float *a, long ar, int ac, const float *b, long br, int bc, float *out, long rows, long cols) {
  if (op < 0 || op > 9 || rows <= 0 || cols <= 0) return;
  binary_args g = {BINARY[op], a, b, out, ar, br, rows, cols, ac != 0, bc != 0};
  int parallel = rows * cols >= AEK_PARALLEL_SIMPLE;
  /* Whole rows per task, or chunks of a single long row. */
  if (rows > 1) aek_run_spans(pool, binary_rows_span, &g, rows, AEK_CHUNK / cols, parallel);
  else aek_run_spans(pool, binary_cols_span, &g, cols, AEK_CHUNK, parallel);
}

/* ---------------------------------------------------------------- activation gradient */

/*
 * out = g * act'(z) from the activation's output y, as the gradient rules compose it from binary kernels
 * (src/autograd/rules.ts): sigmoid g * (y * (1 - y)), tanh g * (1 - y * y), relu g * (y > 0 ? 1 : 0). Each
 * operation rounds to float32 in that order (no contraction: -ffp-contract=off), so the bits are those of the
 * separate kernels, with one pass over memory instead of three.
 */
AEK_INLINE vf act_grad_v(int act, vf g, vf y) {
  const vi one = (vi){0} + 0x3f800000;
  if (act == AEK_ACT_SIGMOID) return g * (y * (1.0f - y));
  if (act == AEK_ACT_TANH) return g * (1.0f - y * y);
  return g * (vf)((y > 0.0f) & one);
}

typedef struct act_grad_args {
  void (*fn)(const struct act_grad_args *, long i0, long i1);
  const float *g, *y;
  float *out;
} act_grad_args;

AEK_INLINE void act_grad_loop(int act, const act_grad_args *a, long i0, long i1) {
  const float *g = a->g, *y = a->y;
  float *o = a->out;
  long i = i0;
  for (; i + VF <= i1; i += VF) stf(o + i, act_grad_v(act, ldf(g + i), ldf(y + i)));
  if (i < i1) stf_part(o + i, act_grad_v(act, ldf_part(g + i, i1 - i), ldf_part(y + i, i1 - i)), i1 - i);
}

#define ACT_GRAD_FN(name, ACT) \
  static void name(const act_grad_args *a, long i0, long i1) { act_grad_loop(ACT, a, i0, i1); }
ACT_GRAD_FN(ag_sigmoid, AEK_ACT_SIGMOID)
ACT_GRAD_FN(ag_relu, AEK_ACT_RELU)
ACT_GRAD_FN(ag_tanh, AEK_ACT_TANH)

static void act_grad_span(const void *args, long i0, long i1) {
  const act_grad_args *a = (const act_grad_args *)args;
  a->fn(a, i0, i1);
}

static void act_grad(aek_pool *pool, int act, const float *g, const float *y, float *out, long n) {
  if (n <= 0) return;
  act_grad_args a = {act == AEK_ACT_SIGMOID ? ag_sigmoid : act == AEK_ACT_TANH ? ag_tanh : ag_relu, g, y, out};
  aek_run_spans(pool, act_grad_span, &a, n, AEK_CHUNK, n >= AEK_PARALLEL_SIMPLE);
}

/* ---------------------------------------------------------------- where */

typedef struct where_args {
  const float *cond, *a, *b;
  float *out;
  int ac, bc;
} where_args;

AEK_INLINE vf where_v(vf c, vf x, vf y) { return self(c != 0.0f, x, y); } /* NaN != 0: NaN selects a */

static void where_span(const void *args, long i0, long i1) {
  const where_args *w = (const where_args *)args;
  const float *c = w->cond, *a = w->a + i0 * w->ac, *b = w->b + i0 * w->bc;
  float *o = w->out;
  vf sa = splatf(*a), sb = splatf(*b);
  long i = i0;
  for (; i + VF <= i1; i += VF, a += VF * w->ac, b += VF * w->bc) {
    stf(o + i, where_v(ldf(c + i), w->ac ? ldf(a) : sa, w->bc ? ldf(b) : sb));
  }
  if (i < i1) {
    long m = i1 - i;
    stf_part(o + i, where_v(ldf_part(c + i, m), w->ac ? ldf_part(a, m) : sa, w->bc ? ldf_part(b, m) : sb), m);
  }
}

static void where(aek_pool *pool, const float *cond, const float *a, int ac, const float *b, int bc, float *out, long n) {
  where_args w = {cond, a, b, out, ac != 0, bc != 0};
  aek_run_spans(pool, where_span, &w, n, AEK_CHUNK, n >= AEK_PARALLEL_SIMPLE);
}

/* ---------------------------------------------------------------- copy */

#if defined(__AVX__)
/* 8 x 8 floats: d[r * ds + c] = s[c * ss + r]. */
AEK_INLINE void transpose8(const float *s, long ss, float *d, long ds) {
  __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ss), r2 = _mm256_loadu_ps(s + 2 * ss), r3 = _mm256_loadu_ps(s + 3 * ss);
  __m256 r4 = _mm256_loadu_ps(s + 4 * ss), r5 = _mm256_loadu_ps(s + 5 * ss), r6 = _mm256_loadu_ps(s + 6 * ss), r7 = _mm256_loadu_ps(s + 7 * ss);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5), t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee), u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee), u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
  _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(d + ds, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(d + 2 * ds, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(d + 3 * ds, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(d + 4 * ds, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(d + 5 * ds, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(d + 6 * ds, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(d + 7 * ds, _mm256_permute2f128_ps(u3, u7, 0x31));
}
#define TB 8
#else
#define TB 16 /* block edge of the portable transpose: a block's source and destination lines stay in L1 */
#endif

/*
 * A transposed view (rs == 1, e.g. a weight gradient produced as W^T): out[r, c] = x[r + c * cs]. Blocks of
 * TB x TB, so both sides touch whole cache lines: the AVX builds transpose 8 x 8 blocks in registers.
 */
static void transpose_rows(const float *x, long cs, float *out, long r0, long r1, long cols) {
  long r = r0;
  for (; r + TB <= r1; r += TB) {
    long c = 0;
#if defined(__AVX__)
    for (; c + TB <= cols; c += TB) transpose8(x + r + c * cs, cs, out + r * cols + c, cols);
#else
    for (; c + TB <= cols; c += TB)
      for (long i = 0; i < TB; i++)
        for (long j = 0; j < TB; j++) out[(r + i) * cols + c + j] = x[r + i + (c + j) * cs];
#endif
    for (; c < cols; c++)
      for (long i = 0; i < TB; i++) out[(r + i) * cols + c] = x[r + i + c * cs];
  }
  for (; r < r1; r++)
    for (long c = 0; c < cols; c++) out[r * cols + c] = x[r + c * cs];
}

/* Rows [r0, r1) of out (dense [rows, cols]) = x[r * rs + c * cs], columns [c0, c1). */
static void copy_rows(const float *x, long rs, long cs, float *out, long r0, long r1, long c0, long c1, long cols) {
  if (cs == 1) {
    for (long r = r0; r < r1; r++) memcpy(out + r * cols + c0, x + r * rs + c0, sizeof(float) * (size_t)(c1 - c0));
  } else if (cs == 0) {
    /* A broadcast row (expand): one value repeated. */
    for (long r = r0; r < r1; r++) {
      vf v = splatf(x[r * rs]);
      float *o = out + r * cols;
      long c = c0;
      for (; c + VF <= c1; c += VF) stf(o + c, v);
      if (c < c1) stf_part(o + c, v, c1 - c);
    }
  } else if (rs == 1 && c0 == 0 && c1 == cols) {
    transpose_rows(x, cs, out, r0, r1, cols);
  } else {
    for (long r = r0; r < r1; r++)
      for (long c = c0; c < c1; c++) out[r * cols + c] = x[r * rs + c * cs];
  }
}

typedef struct copy_args {
  const float *x;
  float *out;
  long s0, rs, cs, n0, rows, cols;
} copy_args;

static void copy_slices_span(const void *args, long i0, long i1) {
  const copy_args *c = (const copy_args *)args;
  for (long i = i0; i < i1; i++) copy_rows(c->x + i * c->s0, c->rs, c->cs, c->out + i * c->rows * c->cols, 0, c->rows, 0, c->cols, c->cols);
}

static void copy_rows_span(const void *args, long r0, long r1) {
  const copy_args *c = (const copy_args *)args;
  copy_rows(c->x, c->rs, c->cs, c->out, r0, r1, 0, c->cols, c->cols);
}

static void copy_cols_span(const void *args, long j0, long j1) {
  const copy_args *c = (const copy_args *)args;
  copy_rows(c->x, c->rs, c->cs, c->out, 0, 1, j0, j1, c->cols);
}

static void copy(aek_pool *pool, const float *x, long s0, long rs, long cs, float *out, long n0, long rows, long cols) {
  if (n0 <= 0 || rows <= 0 || cols <= 0) return;
  copy_args c = {x, out, s0, rs, cs, n0, rows, cols};
  long per = rows * cols;
  int parallel = n0 * per >= AEK_PARALLEL_SIMPLE;
  if (n0 > 1) aek_run_spans(pool, copy_slices_span, &c, n0, AEK_CHUNK / per, parallel);
  /* Rows in whole transpose blocks per task. */
  else if (rows > 1) aek_run_spans(pool, copy_rows_span, &c, rows, (AEK_CHUNK / cols + TB - 1) / TB * TB, parallel);
  else aek_run_spans(pool, copy_cols_span, &c, cols, AEK_CHUNK, parallel);
}

static void unary_serial(int op, const float *x, float *out, long n) { UNARY[op](x, out, n); }

const aek_elementwise_isa AEK_FN(aek_elementwise) = {unary, unary_serial, binary, act_grad, where, copy, AEK_FN(aek_reduce), AEK_FN(aek_update)};
