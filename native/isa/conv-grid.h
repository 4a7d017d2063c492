/*
 * The staged grid the convolution kernels read (isa/conv.c, isa/conv-filter.c).
 *
 * A task stages its source pixels onto a zeroed grid in its thread's scratch: source pixel (y, x) of image b
 * goes to grid (y * dy + offy, x * dx + offx), pixels that land outside are dropped. For a convolution that is
 * the zero-padded image (dy = dx = 1, offsets = the top / left pads); for the gradient with respect to the
 * input it is the output gradient spread out by the strides and padded by k - 1 - pad, which turns the
 * transposed convolution into a stride-1 convolution with the kernel rotated by 180 degrees (as the wasm
 * kernels do, assembly/convgemm.ts). On the grid every window lies inside and a window row of kw * C values is
 * contiguous, so the inner loops have no bounds tests.
 *
 * Work is cut into units: one band of `band` output rows of one image (a whole image unless it is large), so
 * a task's result never depends on the thread count. A unit's grid holds only the rows its windows read.
 */
#ifndef AEK_CONV_GRID_H
#define AEK_CONV_GRID_H

#include <string.h>

#include "../conv.h"

typedef struct grid_plan {
  const float *src;
  long H, W, C;             /* source images [n, H, W, C] */
  long dy, dx, offy, offx;  /* placement on the grid */
  long kh, kw, sh, sw;      /* windows on the grid */
  long n, OH, OW;           /* windows: n images of OH x OW */
  long ws;                  /* grid columns */
  long band, nbands;        /* output rows per unit, units per image */
} grid_plan;

/* Per-image multiply-adds above which an image is cut into row bands (units stay near this size). */
#define BAND_MACS (1L << 21)

static inline long floor_div(long a, long b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
static inline long ceil_div(long a, long b) { return -floor_div(-a, b); }

/* Chooses the bands for `macs_per_row` multiply-adds per output row. */
static inline void plan_bands(grid_plan *P, double macs_per_row) {
  long band = P->OH;
  if (macs_per_row * (double)P->OH > (double)BAND_MACS) {
    band = (long)((double)BAND_MACS / (macs_per_row > 1 ? macs_per_row : 1));
    if (band < 1) band = 1;
  }
  P->band = band;
  P->nbands = P->OH > 0 ? (P->OH + band - 1) / band : 0;
}

/* The forward convolution's grid: the zero-padded image. */
static inline void plan_forward(grid_plan *P, const aek_patch *g, const float *x) {
  P->src = x;
  P->H = g->h, P->W = g->w, P->C = g->c;
  P->dy = 1, P->dx = 1, P->offy = g->pt, P->offx = g->pl;
  P->kh = g->kh, P->kw = g->kw, P->sh = g->sh, P->sw = g->sw;
  P->n = g->n, P->OH = g->oh, P->OW = g->ow;
  P->ws = (g->ow - 1) * g->sw + g->kw;
}

/* The transposed convolution's grid: grad [n, oh, ow, f] spread by the strides, windows over x's h x w grid. */
static inline void plan_transpose(grid_plan *P, const aek_patch *g, const float *grad, long f) {
  P->src = grad;
  P->H = g->oh, P->W = g->ow, P->C = f;
  P->dy = g->sh, P->dx = g->sw, P->offy = g->kh - 1 - g->pt, P->offx = g->kw - 1 - g->pl;
  P->kh = g->kh, P->kw = g->kw, P->sh = 1, P->sw = 1;
  P->n = g->n, P->OH = g->h, P->OW = g->w;
  P->ws = g->w + g->kw - 1;
}

/* Grid rows a band of `rows` output rows reads. */
static inline long grid_rows(const grid_plan *P, long rows) { return (rows - 1) * P->sh + P->kh; }

static inline size_t grid_floats(const grid_plan *P) { return (size_t)(grid_rows(P, P->band) * P->ws * P->C); }

/* Stages output rows [r0, r0 + rows) of image b: returns the grid, whose row 0 is global grid row r0 * sh. */
static inline void stage(const grid_plan *P, long b, long r0, long rows, float *grid) {
  long gh = grid_rows(P, rows), C = P->C, rowlen = P->ws * C;
  long t0 = r0 * P->sh - P->offy; /* source row y lands on local row y * dy - t0 */
  long y0 = ceil_div(t0, P->dy), y1 = floor_div(t0 + gh - 1, P->dy);
  if (y0 < 0) y0 = 0;
  if (y1 > P->H - 1) y1 = P->H - 1;
  long x0 = ceil_div(-P->offx, P->dx), x1 = floor_div(P->ws - 1 - P->offx, P->dx);
  if (x0 < 0) x0 = 0;
  if (x1 > P->W - 1) x1 = P->W - 1;
  if (x1 < x0 || y1 < y0) {
    memset(grid, 0, sizeof(float) * (size_t)(gh * rowlen));
    return;
  }
  if (P->dy == 1 && P->dx == 1) {
    /* The pixels cover a rectangle: clear only the border around it (the copies overwrite the rest). */
    long top = y0 - t0, bottom = y1 - t0 + 1, left = (x0 + P->offx) * C, right = (x1 + P->offx + 1) * C;
    memset(grid, 0, sizeof(float) * (size_t)(top * rowlen));
    memset(grid + bottom * rowlen, 0, sizeof(float) * (size_t)((gh - bottom) * rowlen));
    for (long t = top; t < bottom; t++) {
      memset(grid + t * rowlen, 0, sizeof(float) * (size_t)left);
      memset(grid + t * rowlen + right, 0, sizeof(float) * (size_t)(rowlen - right));
    }
  } else {
    memset(grid, 0, sizeof(float) * (size_t)(gh * rowlen));
  }
  const float *img = P->src + b * P->H * P->W * C;
  for (long y = y0; y <= y1; y++) {
    const float *s = img + (y * P->W + x0) * C;
    float *d = grid + (y * P->dy - t0) * rowlen + (x0 * P->dx + P->offx) * C;
    if (P->dx == 1) {
      memcpy(d, s, sizeof(float) * (size_t)((x1 - x0 + 1) * C));
    } else {
      for (long x = x0; x <= x1; x++, s += C, d += P->dx * C) memcpy(d, s, sizeof(float) * (size_t)C);
    }
  }
}

/*
 * Tiles: `count` windows (or taps) cut into `tiles` = ceil(count / max) tiles as even as possible, so a row of
 * 28 windows takes 10 + 9 + 9 rather than 12 + 12 + 4 and no lanes compute discarded results. Tile i starts at
 * *start and holds *len.
 */
static inline long tile_count(long count, long max) { return (count + max - 1) / max; }
static inline void even_tile(long count, long tiles, long i, long *start, long *len) {
  long base = count / tiles, extra = count % tiles;
  *start = i * base + (i < extra ? i : extra);
  *len = base + (i < extra ? 1 : 0);
}

/* Output channels [c0, c0 + width) form one block of the packed kernel / one tile: 16 wide, or 8 for the last <= 8. */
static inline long block_width(long N, long c0) { return N - c0 > 8 ? 16 : 8; }

#endif
