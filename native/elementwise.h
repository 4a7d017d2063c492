/*
 * The elementwise, copy, reduce and optimizer kernels (native/isa/elementwise.c, reduce.c, optim.c; one build
 * per ISA like the GEMM, see kernels.h), with the wasm backend's semantics (src/kernels/wasm/kernels.ts and the
 * AssemblyScript kernels in assembly/): the reference kernels' bits, except within 1 ulp where those call libm.
 *
 * Splitting: a large call is cut into tasks fixed by its shape (CHUNK elements, or whole rows), which the pool's
 * threads claim. Every element is computed by the same code whatever task holds it, and a reduction is split
 * only between outputs (never inside one output's sum), so results are the same for any thread count.
 */
#ifndef AEK_ELEMENTWISE_H
#define AEK_ELEMENTWISE_H

#include "kernels.h"

/* Op codes: the wasm backend's (src/kernels/wasm/kernels.ts UNARY and BINARY). */
enum { AEK_NEG = 0, AEK_EXP = 1, AEK_LOG = 2, AEK_SQRT = 3, AEK_TANH = 4, AEK_ABS = 5, AEK_SIGN = 6, AEK_SIGMOID = 7 };
enum { AEK_ADD = 0, AEK_SUB = 1, AEK_MUL = 2, AEK_DIV = 3, AEK_MAXIMUM = 4, AEK_GT = 5, AEK_GE = 6, AEK_LT = 7, AEK_LE = 8, AEK_EQ = 9 };
enum { AEK_REDUCE_SUM = 0, AEK_REDUCE_MAX = 1 };
enum { AEK_SGD = 0, AEK_MOMENTUM = 1, AEK_RMSPROP = 2, AEK_ADAM = 3 };

/*
 * One optimizer update over n parameters, in place: p, g, and the state s1 (momentum's v, RMSProp's s, Adam's
 * m) and s2 (Adam's v). h holds the float64 hyper-parameters in the order of the wasm kernels (assembly/optim.ts):
 *   sgd [lr, wd]; momentum [lr, mu, wd]; rmsprop [lr, rho, eps, wd]; adam [lr, b1, b2, eps, stepSize, sqrtBc2, wd]
 * flag: momentum's nesterov, RMSProp's eps inside the square root, Adam's decoupled decay.
 */
typedef struct aek_update {
  int kind, flag;
  float *p, *s1, *s2;
  const float *g;
  long n;
  double h[7];
} aek_update;

typedef struct aek_elementwise_isa {
  /* out[i] = op(x[i]) over n floats. */
  void (*unary)(aek_pool *pool, int op, const float *x, float *out, long n);
  /* The same on the calling thread (x == out allowed): for kernels that apply an op inside their own tasks. */
  void (*unary_serial)(int op, const float *x, float *out, long n);
  /* out (dense [rows, cols]) [r, j] = a[r * ar + j * ac] op b[r * br + j * bc]; ac, bc in {0, 1}. */
  void (*binary)(aek_pool *pool, int op, const float *a, long ar, int ac, const float *b, long br, int bc, float *out, long rows, long cols);
  /*
   * out[i] = g[i] * act'(z[i]) from the activation's output y[i] (act: AEK_ACT_SIGMOID, _TANH or _RELU of
   * kernels.h), with the bits of the gradient rules' separate kernels (isa/elementwise.c).
   */
  void (*act_grad)(aek_pool *pool, int act, const float *g, const float *y, float *out, long n);
  /* out[i] = cond[i] != 0 ? a[i * ac] : b[i * bc]; ac, bc in {0, 1}. */
  void (*where)(aek_pool *pool, const float *cond, const float *a, int ac, const float *b, int bc, float *out, long n);
  /* out (dense [n0, rows, cols]) = x[i * s0 + r * rs + c * cs], strides >= 0. */
  void (*copy)(aek_pool *pool, const float *x, long s0, long rs, long cs, float *out, long n0, long rows, long cols);
  /* out [outer, inner] = sum or max over i of x [outer, n, inner]. */
  void (*reduce)(aek_pool *pool, int op, const float *x, long outer, long n, long inner, float *out);
  void (*update)(aek_pool *pool, const aek_update *u);
} aek_elementwise_isa;

#ifdef AEK_HAVE_X86
extern const aek_elementwise_isa aek_elementwise_avx512, aek_elementwise_avx2;
#endif
extern const aek_elementwise_isa aek_elementwise_generic;

#ifdef AEK_ISA
/* Inside an ISA build: reduce.c's and optim.c's entries, collected into the table by elementwise.c. */
void AEK_FN(aek_reduce)(aek_pool *pool, int op, const float *x, long outer, long n, long inner, float *out);
void AEK_FN(aek_update)(aek_pool *pool, const aek_update *u);
#endif

/* Elements per task (a multiple of every vector width): ~64 KiB of floats per operand. */
#define AEK_CHUNK 16384L

/*
 * Elements from which a call is split over the pool (waking threads costs a few microseconds): memory-bound
 * float32 ops from 128k, the float64 polynomials and the optimizer updates (float64 with a division and a square
 * root per element) from 16k.
 */
#define AEK_PARALLEL_SIMPLE (1L << 17)
#define AEK_PARALLEL_HEAVY (1L << 14)

/* body(args, i0, i1) over [0, total) in tasks of `grain` items: the split depends only on total and grain. */
typedef void (*aek_span_fn)(const void *args, long i0, long i1);

typedef struct aek_spans {
  aek_span_fn fn;
  const void *args;
  long total, grain;
} aek_spans;

static inline void aek_span_task(void *ctx, long t, int thread) {
  (void)thread;
  const aek_spans *s = (const aek_spans *)ctx;
  long i0 = t * s->grain, i1 = i0 + s->grain < s->total ? i0 + s->grain : s->total;
  s->fn(s->args, i0, i1);
}

static inline void aek_run_spans(aek_pool *pool, aek_span_fn fn, const void *args, long total, long grain, int parallel) {
  if (total <= 0) return;
  if (grain < 1) grain = 1;
  if (!parallel || total <= grain) {
    fn(args, 0, total);
    return;
  }
  aek_spans s = {fn, args, total, grain};
  aek_pool_run(pool, (total + grain - 1) / grain, aek_span_task, &s, 1);
}

#endif
