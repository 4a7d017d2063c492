/*
 * The patch and pooling kernels (im2col, col2im, maxPool, maxUnpool), compiled once per ISA: plain loops over
 * runs of channels that the compiler vectorizes. They select or add exactly as the reference kernels do
 * (src/kernels/ref/conv.ts), so results are bit-identical to them: col2im adds each pixel's contributions in
 * (oy, ox, ky, kx) order, maxPool keeps the first maximum of a window (a NaN wins and stays), maxUnpool adds
 * each window's gradient at that element in (oy, ox) order.
 *
 * Threads split the batch: a task is one image, and no two images share output, so any split gives the same bits.
 */
#include <string.h>

#include "../conv.h"
#include "conv-vec.h"

/* Floats moved below which a call runs on the calling thread alone. */
#define PARALLEL_FLOATS (1L << 15)

typedef struct patch_job {
  aek_patch g;
  const float *a, *b;
  float *out;
} patch_job;

static void run_images(aek_pool *pool, const aek_patch *g, const float *a, const float *b, float *out, aek_task_fn fn, double floats) {
  if (g->n <= 0) return;
  patch_job J = {*g, a, b, out};
  aek_pool_run(pool, g->n, fn, &J, floats >= (double)PARALLEL_FLOATS);
}

static void im2col_task(void *ctx, long bi, int thread) {
  (void)thread;
  const patch_job *J = (const patch_job *)ctx;
  const aek_patch *g = &J->g;
  long c = g->c, run = g->kw * c;
  const float *img = J->a + bi * g->h * g->w * c;
  float *o = J->out + bi * g->oh * g->ow * g->kh * run;
  for (long oy = 0; oy < g->oh; oy++)
    for (long ox = 0; ox < g->ow; ox++) {
      long ix0 = ox * g->sw - g->pl;
      int inside = ix0 >= 0 && ix0 + g->kw <= g->w;
      for (long ky = 0; ky < g->kh; ky++, o += run) {
        long iy = oy * g->sh + ky - g->pt;
        if (iy < 0 || iy >= g->h) {
          memset(o, 0, sizeof(float) * (size_t)run);
        } else if (inside) {
          memcpy(o, img + (iy * g->w + ix0) * c, sizeof(float) * (size_t)run);
        } else {
          for (long kx = 0; kx < g->kw; kx++) {
            long ix = ix0 + kx;
            if (ix < 0 || ix >= g->w) memset(o + kx * c, 0, sizeof(float) * (size_t)c);
            else memcpy(o + kx * c, img + (iy * g->w + ix) * c, sizeof(float) * (size_t)c);
          }
        }
      }
    }
}

void AEK_FN(aek_im2col)(aek_pool *pool, const aek_patch *g, const float *x, float *out) {
  run_images(pool, g, x, NULL, out, im2col_task, (double)g->n * g->oh * g->ow * g->kh * g->kw * g->c);
}

/* d[0:n] += s[0:n], one float add each (the reference's out[i] += v). */
static inline void add_run(float *restrict d, const float *restrict s, long n) {
  for (long i = 0; i < n; i++) d[i] = d[i] + s[i];
}

static void col2im_task(void *ctx, long bi, int thread) {
  (void)thread;
  const patch_job *J = (const patch_job *)ctx;
  const aek_patch *g = &J->g;
  long c = g->c, run = g->kw * c;
  float *img = J->out + bi * g->h * g->w * c;
  const float *s = J->a + bi * g->oh * g->ow * g->kh * run;
  memset(img, 0, sizeof(float) * (size_t)(g->h * g->w * c));
  for (long oy = 0; oy < g->oh; oy++)
    for (long ox = 0; ox < g->ow; ox++) {
      long ix0 = ox * g->sw - g->pl;
      int inside = ix0 >= 0 && ix0 + g->kw <= g->w;
      for (long ky = 0; ky < g->kh; ky++, s += run) {
        long iy = oy * g->sh + ky - g->pt;
        if (iy < 0 || iy >= g->h) continue;
        /* Within one window row the kx runs are disjoint pixels, so an in-image row is one run of adds. */
        if (inside) {
          add_run(img + (iy * g->w + ix0) * c, s, run);
        } else {
          for (long kx = 0; kx < g->kw; kx++) {
            long ix = ix0 + kx;
            if (ix >= 0 && ix < g->w) add_run(img + (iy * g->w + ix) * c, s + kx * c, c);
          }
        }
      }
    }
}

void AEK_FN(aek_col2im)(aek_pool *pool, const aek_patch *g, const float *cols, float *out) {
  run_images(pool, g, cols, NULL, out, col2im_task, (double)g->n * g->oh * g->ow * g->kh * g->kw * g->c);
}

/*
 * Pooling works on VWL channels at a time (conv-vec.h; the last block of an image's channels masked): per lane,
 * the kept maximum m and what goes with it; vw_take is the reference's rule (greater, or NaN, unless m is NaN).
 * A window is [y0, y1) x [x0, x1) clipped to the image, scanned row-major from its first pixel.
 */
static void max_pool_task(void *ctx, long bi, int thread) {
  (void)thread;
  const patch_job *J = (const patch_job *)ctx;
  const aek_patch *g = &J->g;
  long c = g->c, h = g->h, w = g->w;
  const float *img = J->a + bi * h * w * c, *vimg = J->b + bi * h * w * c;
  float *o = J->out + bi * g->oh * g->ow * c;
  for (long oy = 0; oy < g->oh; oy++) {
    long y0 = oy * g->sh - g->pt, y1 = y0 + g->kh;
    if (y0 < 0) y0 = 0;
    if (y1 > h) y1 = h;
    for (long ox = 0; ox < g->ow; ox++, o += c) {
      long x0 = ox * g->sw - g->pl, x1 = x0 + g->kw;
      if (x0 < 0) x0 = 0;
      if (x1 > w) x1 = w;
      if (y0 >= y1 || x0 >= x1) { /* a window with no pixel in the image (ops never make one) */
        memset(o, 0, sizeof(float) * (size_t)c);
        continue;
      }
      for (long c0 = 0; c0 < c; c0 += VWL) {
        int nc = (int)(c - c0 < VWL ? c - c0 : VWL);
        const float *first = img + (y0 * w + x0) * c + c0;
        VW m = vw_load_n(first, nc), val = vw_load_n(first + (vimg - img), nc);
        for (long iy = y0; iy < y1; iy++)
          for (long ix = iy == y0 ? x0 + 1 : x0; ix < x1; ix++) {
            const float *px = img + (iy * w + ix) * c + c0;
            VW xv = vw_load_n(px, nc);
            VM t = vw_take(m, xv);
            m = vw_select(t, m, xv);
            val = vw_select(t, val, vw_load_n(px + (vimg - img), nc));
          }
        vw_store_n(o + c0, val, nc);
      }
    }
  }
}

void AEK_FN(aek_max_pool)(aek_pool *pool, const aek_patch *g, const float *x, const float *v, float *out) {
  run_images(pool, g, x, v, out, max_pool_task, (double)g->n * g->oh * g->ow * g->kh * g->kw * g->c * 2);
}

/* Per lane, the row-major position (0, 1, ... within the window, as a float) of the window's first maximum. */
AEK_INLINE VW window_argmax(const float *img, long w, long c, long c0, int nc, long y0, long y1, long x0, long x1) {
  VW m = vw_load_n(img + (y0 * w + x0) * c + c0, nc), at = vw_zero();
  float pos = 0.0f;
  for (long iy = y0; iy < y1; iy++)
    for (long ix = x0; ix < x1; ix++, pos += 1.0f) {
      VW xv = vw_load_n(img + (iy * w + ix) * c + c0, nc);
      VM t = vw_take(m, xv);
      m = vw_select(t, m, xv);
      at = vw_select(t, at, vw_bcast(&pos));
    }
  return at;
}

static void max_unpool_task(void *ctx, long bi, int thread) {
  (void)thread;
  const patch_job *J = (const patch_job *)ctx;
  const aek_patch *g = &J->g;
  long c = g->c, h = g->h, w = g->w;
  const float *img = J->a + bi * h * w * c, *gp = J->b + bi * g->oh * g->ow * c;
  float *out = J->out + bi * h * w * c;
  /*
   * Windows that tile the image (stride = window, the usual 2x2 pooling) cover each pixel at most once: write
   * every covered pixel once, grad + 0 at the winner and 0 elsewhere (+ 0: the reference's 0 + grad turns -0
   * into +0), and clear the pixels no window covers ('valid' dropping a last row or column). Otherwise clear
   * the image and add each window's gradient at its winner, windows in (oy, ox) order, as the reference does.
   */
  int tiled = g->sh == g->kh && g->sw == g->kw;
  if (tiled) {
    long covered_h = g->oh * g->kh - g->pt < h ? g->oh * g->kh - g->pt : h;
    long covered_w = g->ow * g->kw - g->pl < w ? g->ow * g->kw - g->pl : w;
    if (covered_h < 0) covered_h = 0;
    if (covered_w < 0) covered_w = 0;
    if (covered_h < h) memset(out + covered_h * w * c, 0, sizeof(float) * (size_t)((h - covered_h) * w * c));
    if (covered_w < w)
      for (long y = 0; y < covered_h; y++) memset(out + (y * w + covered_w) * c, 0, sizeof(float) * (size_t)((w - covered_w) * c));
  } else {
    memset(out, 0, sizeof(float) * (size_t)(h * w * c));
  }
  for (long oy = 0; oy < g->oh; oy++) {
    long y0 = oy * g->sh - g->pt, y1 = y0 + g->kh;
    if (y0 < 0) y0 = 0;
    if (y1 > h) y1 = h;
    for (long ox = 0; ox < g->ow; ox++, gp += c) {
      long x0 = ox * g->sw - g->pl, x1 = x0 + g->kw;
      if (x0 < 0) x0 = 0;
      if (x1 > w) x1 = w;
      if (y0 >= y1 || x0 >= x1) continue;
      for (long c0 = 0; c0 < c; c0 += VWL) {
        int nc = (int)(c - c0 < VWL ? c - c0 : VWL);
        VW at = window_argmax(img, w, c, c0, nc, y0, y1, x0, x1);
        if (tiled) {
          VW gz = vw_add(vw_load_n(gp + c0, nc), vw_zero());
          float pos = 0.0f;
          for (long iy = y0; iy < y1; iy++)
            for (long ix = x0; ix < x1; ix++, pos += 1.0f) vw_store_n(out + (iy * w + ix) * c + c0, vw_where_eq(at, vw_bcast(&pos), gz), nc);
        } else {
          float lane[VWL];
          vw_store(lane, at);
          for (int k = 0; k < nc; k++) {
            long p = (long)lane[k], iy = y0 + p / (x1 - x0), ix = x0 + p % (x1 - x0);
            float *po = out + (iy * w + ix) * c + c0 + k;
            *po = *po + gp[c0 + k];
          }
        }
      }
    }
  }
}

void AEK_FN(aek_max_unpool)(aek_pool *pool, const aek_patch *g, const float *x, const float *grad, float *out) {
  run_images(pool, g, x, grad, out, max_unpool_task, (double)g->n * g->oh * g->ow * g->kh * g->kw * g->c * 2);
}
