/*
 * The convolution and pooling kernels' Node-API functions (isa/conv.c, conv-filter.c, patch.c). Operands are
 * byte offsets into the memory; the geometry follows them as 12 numbers, n h w c kh kw sh sw pt pl oh ow
 * (src/kernels/types.ts PatchGeometry):
 *
 *   conv2d(ctx, x, w, out, ...geometry, f)            conv2dTranspose(ctx, grad, w, out, ...geometry, f)
 *   conv2dFilter(ctx, x, grad, out, ...geometry, f)   im2col(ctx, x, out, ...geometry)
 *   col2im(ctx, cols, out, ...geometry)               maxPool(ctx, x, v, out, ...geometry)
 *   maxUnpool(ctx, x, grad, out, ...geometry)
 */
#include "conv.h"
#include "glue.h"

static const aek_conv_isa *CONV;

static aek_patch geometry(const double *v) {
  aek_patch g = {(long)v[0], (long)v[1], (long)v[2], (long)v[3], (long)v[4], (long)v[5],
                 (long)v[6], (long)v[7], (long)v[8], (long)v[9], (long)v[10], (long)v[11]};
  return g;
}

typedef int (*conv_fn)(aek_pool *, const aek_patch *, const float *, const float *, float *, long);

static napi_value convolution(napi_env env, napi_callback_info info, conv_fn fn) {
  double v[16];
  context *c = aek_args(env, info, 16, v);
  if (!c) return NULL;
  aek_patch g = geometry(v + 3);
  if (fn(c->pool, &g, F32(c, v[0]), F32(c, v[1]), F32(c, v[2]), (long)v[15]) != 0)
    return aek_fail(env, "aekit native: out of memory for the convolution's workspace");
  return NULL;
}

static napi_value conv2d(napi_env env, napi_callback_info info) { return convolution(env, info, CONV->conv2d); }
static napi_value conv2d_transpose(napi_env env, napi_callback_info info) { return convolution(env, info, CONV->conv2d_transpose); }
static napi_value conv2d_filter(napi_env env, napi_callback_info info) { return convolution(env, info, CONV->conv2d_filter); }

static napi_value im2col(napi_env env, napi_callback_info info) {
  double v[14];
  context *c = aek_args(env, info, 14, v);
  if (!c) return NULL;
  aek_patch g = geometry(v + 2);
  CONV->im2col(c->pool, &g, F32(c, v[0]), F32(c, v[1]));
  return NULL;
}

static napi_value col2im(napi_env env, napi_callback_info info) {
  double v[14];
  context *c = aek_args(env, info, 14, v);
  if (!c) return NULL;
  aek_patch g = geometry(v + 2);
  CONV->col2im(c->pool, &g, F32(c, v[0]), F32(c, v[1]));
  return NULL;
}

static napi_value max_pool(napi_env env, napi_callback_info info) {
  double v[15];
  context *c = aek_args(env, info, 15, v);
  if (!c) return NULL;
  aek_patch g = geometry(v + 3);
  CONV->max_pool(c->pool, &g, F32(c, v[0]), F32(c, v[1]), F32(c, v[2]));
  return NULL;
}

static napi_value max_unpool(napi_env env, napi_callback_info info) {
  double v[15];
  context *c = aek_args(env, info, 15, v);
  if (!c) return NULL;
  aek_patch g = geometry(v + 3);
  CONV->max_unpool(c->pool, &g, F32(c, v[0]), F32(c, v[1]), F32(c, v[2]));
  return NULL;
}

void aek_glue_conv(napi_env env, napi_value exports) {
  CONV = AEK_PICK(aek_isa_level(), aek_conv);
  aek_export(env, exports, "conv2d", conv2d);
  aek_export(env, exports, "conv2dTranspose", conv2d_transpose);
  aek_export(env, exports, "conv2dFilter", conv2d_filter);
  aek_export(env, exports, "im2col", im2col);
  aek_export(env, exports, "col2im", col2im);
  aek_export(env, exports, "maxPool", max_pool);
  aek_export(env, exports, "maxUnpool", max_unpool);
}
