/*
 * gemm(ctx, a, b, c, m, n, k, transA, transB): C = op(A) @ op(B), operands as byte offsets (isa/gemm.c).
 * linear(ctx, x, w, bias, out, m, n, k, act): out = act(x @ w^T + bias), a Dense layer's forward pass with the
 * bias and activation in the GEMM's epilogue; bias < 0 means none; act: 0 none, 1 sigmoid, 2 relu, 3 tanh.
 */
#include "elementwise.h"
#include "glue.h"

static const aek_gemm_isa *GEMM;
static const aek_elementwise_isa *ELEMENTWISE;

static napi_value gemm(napi_env env, napi_callback_info info) {
  double v[8];
  context *c = aek_args(env, info, 8, v);
  if (!c) return NULL;
  aek_gemm_args g = {F32(c, v[0]), F32(c, v[1]), F32(c, v[2]), (long)v[3], (long)v[4], (long)v[5], v[6] != 0, v[7] != 0, NULL, AEK_ACT_NONE, NULL, 0};
  if (GEMM->gemm(c->pool, &g) != 0) return aek_fail(env, "aekit native: out of memory for the GEMM workspace");
  return NULL;
}

static napi_value linear(napi_env env, napi_callback_info info) {
  double v[8];
  context *c = aek_args(env, info, 8, v);
  if (!c) return NULL;
  int act = (int)v[7];
  if (act < AEK_ACT_NONE || act > AEK_ACT_TANH) return aek_fail(env, "aekit native: unknown activation code");
  aek_gemm_args g = {F32(c, v[0]), F32(c, v[1]), F32(c, v[3]), (long)v[4], (long)v[5], (long)v[6], 0, 1,
                     v[2] < 0 ? NULL : F32(c, v[2]), act, ELEMENTWISE->unary_serial, act == AEK_ACT_TANH ? AEK_TANH : AEK_SIGMOID};
  if (GEMM->gemm(c->pool, &g) != 0) return aek_fail(env, "aekit native: out of memory for the GEMM workspace");
  return NULL;
}

void aek_glue_gemm(napi_env env, napi_value exports) {
  GEMM = AEK_PICK(aek_isa_level(), aek_gemm);
  ELEMENTWISE = AEK_PICK(aek_isa_level(), aek_elementwise);
  aek_export(env, exports, "gemm", gemm);
  aek_export(env, exports, "linear", linear);
}
