/* gemm(ctx, a, b, c, m, n, k, transA, transB): C = op(A) @ op(B), operands as byte offsets (isa/gemm.c). */
#include "glue.h"

static const aek_gemm_isa *GEMM;

static napi_value gemm(napi_env env, napi_callback_info info) {
  double v[8];
  context *c = aek_args(env, info, 8, v);
  if (!c) return NULL;
  aek_gemm_args g = {F32(c, v[0]), F32(c, v[1]), F32(c, v[2]), (long)v[3], (long)v[4], (long)v[5], v[6] != 0, v[7] != 0};
  if (GEMM->gemm(c->pool, &g) != 0) return aek_fail(env, "aekit native: out of memory for the GEMM workspace");
  return NULL;
}

void aek_glue_gemm(napi_env env, napi_value exports) {
  GEMM = AEK_PICK(aek_isa_level(), aek_gemm);
  aek_export(env, exports, "gemm", gemm);
}
