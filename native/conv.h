/*
 * The convolution and pooling family (NHWC images, Keras HWIO kernels): declarations shared by its per-ISA
 * files (isa/conv.c, isa/conv-filter.c, isa/patch.c) and its Node-API glue (conv-glue.c). The semantics are
 * src/kernels/types.ts's; the reference kernels (src/kernels/ref/conv.ts) are the oracle.
 */
#ifndef AEK_CONV_H
#define AEK_CONV_H

#include "kernels.h"

/* Windows over images [n, h, w, c]: kh x kw, strides (sh, sw), pt / pl zero rows / columns before, oh x ow windows. */
typedef struct aek_patch {
  long n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow;
} aek_patch;

/*
 * One ISA build's kernels. The convolutions return 0, or -1 when their workspace cannot be allocated (nothing
 * is written then); the patch and pooling kernels need none.
 *   conv2d           out [n, oh, ow, f] = im2col(x) @ w               (w [kh, kw, c, f])
 *   conv2d_transpose out [n, h, w, c]   = col2im(grad @ w^T)           (grad [n, oh, ow, f])
 *   conv2d_filter    out [kh, kw, c, f] = im2col(x)^T @ grad
 */
typedef struct aek_conv_isa {
  int (*conv2d)(aek_pool *pool, const aek_patch *g, const float *x, const float *w, float *out, long f);
  int (*conv2d_transpose)(aek_pool *pool, const aek_patch *g, const float *grad, const float *w, float *out, long f);
  int (*conv2d_filter)(aek_pool *pool, const aek_patch *g, const float *x, const float *grad, float *out, long f);
  void (*im2col)(aek_pool *pool, const aek_patch *g, const float *x, float *out);
  void (*col2im)(aek_pool *pool, const aek_patch *g, const float *cols, float *out);
  void (*max_pool)(aek_pool *pool, const aek_patch *g, const float *x, const float *v, float *out);
  void (*max_unpool)(aek_pool *pool, const aek_patch *g, const float *x, const float *grad, float *out);
} aek_conv_isa;

#ifdef AEK_HAVE_X86
extern const aek_conv_isa aek_conv_avx512, aek_conv_avx2;
#endif
extern const aek_conv_isa aek_conv_generic;

#ifdef AEK_ISA
/* Inside one ISA build: the parts the other files of the family define (each named for its ISA by AEK_FN). */
int AEK_FN(aek_conv_filter)(aek_pool *pool, const aek_patch *g, const float *x, const float *grad, float *out, long f);
void AEK_FN(aek_im2col)(aek_pool *pool, const aek_patch *g, const float *x, float *out);
void AEK_FN(aek_col2im)(aek_pool *pool, const aek_patch *g, const float *cols, float *out);
void AEK_FN(aek_max_pool)(aek_pool *pool, const aek_patch *g, const float *x, const float *v, float *out);
void AEK_FN(aek_max_unpool)(aek_pool *pool, const aek_patch *g, const float *x, const float *grad, float *out);
#endif

#endif
