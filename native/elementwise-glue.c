/*
 * The elementwise, copy, reduce and optimizer kernels' Node-API functions (native/elementwise.h); operands are
 * byte offsets into the backend's memory, strides and counts in elements (src/kernels/native/elementwise.ts).
 *
 *   unary(ctx, op, x, out, n)
 *   binary(ctx, op, a, ar, ac, b, br, bc, out, rows, cols)
 *   actGrad(ctx, act, g, y, out, n)        act: 1 sigmoid, 2 relu, 3 tanh (kernels.h AEK_ACT_*)
 *   where(ctx, cond, a, ac, b, bc, out, n)
 *   copy(ctx, x, s0, rs, cs, out, n0, rows, cols)
 *   reduce(ctx, op, x, outer, n, inner, out)
 *   update(ctx, kind, flag, p, g, s1, s2, n, h0, ..., h6)   (unused state and hyper-parameters: 0)
 */
#include "elementwise.h"
#include "glue.h"

static const aek_elementwise_isa *EW;

static napi_value unary(napi_env env, napi_callback_info info) {
  double v[4];
  context *c = aek_args(env, info, 4, v);
  if (!c) return NULL;
  EW->unary(c->pool, (int)v[0], F32(c, v[1]), F32(c, v[2]), (long)v[3]);
  return NULL;
}

static napi_value binary(napi_env env, napi_callback_info info) {
  double v[10];
  context *c = aek_args(env, info, 10, v);
  if (!c) return NULL;
  EW->binary(c->pool, (int)v[0], F32(c, v[1]), (long)v[2], (int)v[3], F32(c, v[4]), (long)v[5], (int)v[6], F32(c, v[7]), (long)v[8], (long)v[9]);
  return NULL;
}

static napi_value act_grad(napi_env env, napi_callback_info info) {
  double v[5];
  context *c = aek_args(env, info, 5, v);
  if (!c) return NULL;
  int act = (int)v[0];
  if (act != AEK_ACT_SIGMOID && act != AEK_ACT_RELU && act != AEK_ACT_TANH) return aek_fail(env, "aekit native: unknown activation code");
  EW->act_grad(c->pool, act, F32(c, v[1]), F32(c, v[2]), F32(c, v[3]), (long)v[4]);
  return NULL;
}

static napi_value where(napi_env env, napi_callback_info info) {
  double v[7];
  context *c = aek_args(env, info, 7, v);
  if (!c) return NULL;
  EW->where(c->pool, F32(c, v[0]), F32(c, v[1]), (int)v[2], F32(c, v[3]), (int)v[4], F32(c, v[5]), (long)v[6]);
  return NULL;
}

static napi_value copy(napi_env env, napi_callback_info info) {
  double v[8];
  context *c = aek_args(env, info, 8, v);
  if (!c) return NULL;
  EW->copy(c->pool, F32(c, v[0]), (long)v[1], (long)v[2], (long)v[3], F32(c, v[4]), (long)v[5], (long)v[6], (long)v[7]);
  return NULL;
}

static napi_value reduce(napi_env env, napi_callback_info info) {
  double v[6];
  context *c = aek_args(env, info, 6, v);
  if (!c) return NULL;
  EW->reduce(c->pool, (int)v[0], F32(c, v[1]), (long)v[2], (long)v[3], (long)v[4], F32(c, v[5]));
  return NULL;
}

static napi_value update(napi_env env, napi_callback_info info) {
  double v[14];
  context *c = aek_args(env, info, 14, v);
  if (!c) return NULL;
  aek_update u = {(int)v[0], v[1] != 0, F32(c, v[2]), F32(c, v[4]), F32(c, v[5]), F32(c, v[3]), (long)v[6], {0}};
  for (int i = 0; i < 7; i++) u.h[i] = v[7 + i];
  EW->update(c->pool, &u);
  return NULL;
}

void aek_glue_elementwise(napi_env env, napi_value exports) {
  EW = AEK_PICK(aek_isa_level(), aek_elementwise);
  aek_export(env, exports, "unary", unary);
  aek_export(env, exports, "binary", binary);
  aek_export(env, exports, "actGrad", act_grad);
  aek_export(env, exports, "where", where);
  aek_export(env, exports, "copy", copy);
  aek_export(env, exports, "reduce", reduce);
  aek_export(env, exports, "update", update);
}
