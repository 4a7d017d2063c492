/*
 * Fused optimizer updates: one pass over a parameter and its state, in place (native/elementwise.h).
 *
 * The reference loops (src/kernels/ref/optim.ts) update float32 parameters in float32 arithmetic: the
 * hyper-parameters rounded to float32 once, every operation rounded to float32. These run the same operations in
 * the same order in float32 lanes (no fused multiply-adds), like the wasm kernels (assembly/optim.ts), so the
 * results are bit-identical to both. The hyper-parameters arrive as doubles (lr / (1 - b1^t) and the like are
 * computed by the TS wrapper in JS doubles, as the reference does) and are rounded here.
 */
#include "../elementwise.h"
#include "../vec.h"

/* Loads and stores of VF parameters, or of the last m < VF (the same arithmetic on a zero-padded vector). */
#define LD(ptr) (m == VF ? ldf(ptr) : ldf_part(ptr, m))
#define ST(ptr, v) (m == VF ? stf(ptr, v) : stf_part(ptr, v, m))
/* Each vector of [i0, i1): i its first element, m how many of its lanes are parameters (VF but at the end). */
#define EACH_VECTOR for (long i = i0, m; m = i1 - i < VF ? i1 - i : VF, i < i1; i += VF)

/* p -= lr * (g + wd * p) */
static void sgd(const aek_update *u, long i0, long i1) {
  const float lr = (float)u->h[0], wd = (float)u->h[1];
  EACH_VECTOR {
    vf P = LD(u->p + i), G = LD(u->g + i);
    ST(u->p + i, P - lr * (G + wd * P));
  }
}

/* g' = g + wd p; v = mu v + g'; p -= lr (nesterov ? g' + mu v : v) */
static void momentum(const aek_update *u, long i0, long i1) {
  const float lr = (float)u->h[0], mu = (float)u->h[1], wd = (float)u->h[2];
  EACH_VECTOR {
    vf P = LD(u->p + i), G = LD(u->g + i), V = LD(u->s1 + i);
    vf gi = G + wd * P;
    vf vi = mu * V + gi;
    vf step = u->flag ? gi + mu * vi : vi;
    ST(u->s1 + i, vi);
    ST(u->p + i, P - lr * step);
  }
}

/* g' = g + wd p; s = rho s + (1 - rho) g'^2; p -= lr g' / (inside ? sqrt(s + eps) : sqrt(s) + eps) */
static void rmsprop(const aek_update *u, long i0, long i1) {
  const float lr = (float)u->h[0], rho = (float)u->h[1], eps = (float)u->h[2], wd = (float)u->h[3];
  const float omr = (float)(1 - u->h[1]);
  EACH_VECTOR {
    vf P = LD(u->p + i), G = LD(u->g + i), S = LD(u->s1 + i);
    vf gi = G + wd * P;
    vf si = rho * S + (omr * gi) * gi;
    vf den = u->flag ? sqrtf_v(si + eps) : sqrtf_v(si) + eps;
    ST(u->s1 + i, si);
    ST(u->p + i, P - (lr * gi) / den);
  }
}

/* Adam / AdamW with torch's bias correction: stepSize = lr / (1 - b1^t), sqrtBc2 = sqrt(1 - b2^t). */
static void adam(const aek_update *u, long i0, long i1) {
  const float b1 = (float)u->h[1], b2 = (float)u->h[2], eps = (float)u->h[3], ss = (float)u->h[4], sb = (float)u->h[5];
  const float wd = (float)u->h[6], omb1 = (float)(1 - u->h[1]), omb2 = (float)(1 - u->h[2]), lrwd = (float)(u->h[0] * u->h[6]);
  EACH_VECTOR {
    vf P = LD(u->p + i), gi = LD(u->g + i), M = LD(u->s1 + i), V = LD(u->s2 + i);
    if (u->flag) P = P - lrwd * P;
    else gi = gi + wd * P;
    vf mi = b1 * M + omb1 * gi;
    vf vi = b2 * V + (omb2 * gi) * gi;
    vf den = sqrtf_v(vi) / sb + eps;
    ST(u->s1 + i, mi);
    ST(u->s2 + i, vi);
    ST(u->p + i, P - (ss * mi) / den);
  }
}

static void update_span(const void *args, long i0, long i1) {
  const aek_update *u = (const aek_update *)args;
  switch (u->kind) {
    case AEK_SGD: sgd(u, i0, i1); break;
    case AEK_MOMENTUM: momentum(u, i0, i1); break;
    case AEK_RMSPROP: rmsprop(u, i0, i1); break;
    default: adam(u, i0, i1); break;
  }
}

void AEK_FN(aek_update)(aek_pool *pool, const aek_update *u) {
  aek_run_spans(pool, update_span, u, u->n, AEK_CHUNK, u->n >= AEK_PARALLEL_HEAVY);
}
