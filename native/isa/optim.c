/*
 * Fused optimizer updates: one pass over a parameter and its state, in place (native/elementwise.h).
 *
 * The reference loops (src/kernels/ref/optim.ts) read float32 values, compute in float64 (JS numbers) and round
 * once when storing. These do the same arithmetic in float64 lanes, in the same order, with the same
 * hyper-parameter expressions (precomputed by the TS wrapper in JS doubles), so the results are bit-identical
 * to the reference, like the wasm kernels' (assembly/optim.ts). A float32 version would be faster but drift by
 * an ulp per step.
 */
#include "../elementwise.h"
#include "../vec.h"

/* Loads and stores of VD parameters, or of the last m < VD (the same arithmetic on a padded vector). */
#define LD(ptr) (m == VD ? f2d(ldfh(ptr)) : f2d(ldfh_part(ptr, m)))
#define ST(ptr, v) (m == VD ? stfh(ptr, d2f(v)) : stfh_part(ptr, d2f(v), m))

/* p -= lr * (g + wd * p) */
static void sgd(const aek_update *u, long i0, long i1) {
  const double lr = u->h[0], wd = u->h[1];
  for (long i = i0; i < i1; i += VD) {
    long m = i1 - i < VD ? i1 - i : VD;
    vd P = LD(u->p + i), G = LD(u->g + i);
    ST(u->p + i, P - lr * (G + wd * P));
  }
}

/* g' = g + wd p; v = mu v + g'; p -= lr (nesterov ? g' + mu v : v) */
static void momentum(const aek_update *u, long i0, long i1) {
  const double lr = u->h[0], mu = u->h[1], wd = u->h[2];
  for (long i = i0; i < i1; i += VD) {
    long m = i1 - i < VD ? i1 - i : VD;
    vd P = LD(u->p + i), G = LD(u->g + i), V = LD(u->s1 + i);
    vd gi = G + wd * P;
    vd vi = mu * V + gi;
    vd step = u->flag ? gi + mu * vi : vi;
    ST(u->s1 + i, vi);
    ST(u->p + i, P - lr * step);
  }
}

/* g' = g + wd p; s = rho s + (1 - rho) g'^2; p -= lr g' / (inside ? sqrt(s + eps) : sqrt(s) + eps) */
static void rmsprop(const aek_update *u, long i0, long i1) {
  const double lr = u->h[0], rho = u->h[1], eps = u->h[2], wd = u->h[3], omr = 1 - rho;
  for (long i = i0; i < i1; i += VD) {
    long m = i1 - i < VD ? i1 - i : VD;
    vd P = LD(u->p + i), G = LD(u->g + i), S = LD(u->s1 + i);
    vd gi = G + wd * P;
    vd si = rho * S + (omr * gi) * gi;
    vd den = u->flag ? sqrtd(si + eps) : sqrtd(si) + eps;
    ST(u->s1 + i, si);
    ST(u->p + i, P - (lr * gi) / den);
  }
}

/*
 * Adam / AdamW with torch's bias correction: stepSize = lr / (1 - b1^t), sqrtBc2 = sqrt(1 - b2^t). With
 * decoupled decay the reference stores p after the decay (a float32 rounding) and reads it back for the Adam
 * step; rounding there too gives its bits.
 */
static void adam(const aek_update *u, long i0, long i1) {
  const double lr = u->h[0], b1 = u->h[1], b2 = u->h[2], eps = u->h[3], ss = u->h[4], sb = u->h[5], wd = u->h[6];
  const double omb1 = 1 - b1, omb2 = 1 - b2, lrwd = lr * wd;
  for (long i = i0; i < i1; i += VD) {
    long m = i1 - i < VD ? i1 - i : VD;
    vd P = LD(u->p + i), gi = LD(u->g + i), M = LD(u->s1 + i), V = LD(u->s2 + i);
    if (u->flag) P = f2d(d2f(P - lrwd * P));
    else gi = gi + wd * P;
    vd mi = b1 * M + omb1 * gi;
    vd vi = b2 * V + (omb2 * gi) * gi;
    vd den = sqrtd(vi) / sb + eps;
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
