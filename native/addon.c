/*
 * The Node-API face of the native kernels (src/kernels/native/ is the only caller).
 *
 *   ctx = create(memoryBytes: Uint8Array over the backend's WebAssembly.Memory, threads[, watch = 1])
 *   threads(ctx), isa(), contention(ctx) -> [holds, serial runs] (pool.h)
 *   gemm(ctx, a, b, c, m, n, k, transA, transB)      operands as byte offsets into that memory
 *   ... and each kernel family's functions (the *-glue.c files)
 *
 * Operands are byte offsets rather than typed arrays: reading a number costs a few nanoseconds, unwrapping a
 * typed array ten times more, and the memory's base address is fixed (a shared WebAssembly.Memory reserves its
 * maximum size up front, so growing it never moves it). Node-API (not V8's C++ API) keeps the binary working
 * across Node versions without a rebuild.
 */
#include "glue.h"

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  context *c = (context *)data;
  aek_pool_destroy(c->pool);
  free(c);
}

static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return aek_fail(env, "aekit native: create(memoryBytes, threads)");
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value buffer;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_uint8_array)
    return aek_fail(env, "aekit native: create() needs a Uint8Array over the memory");
  int32_t threads;
  if (napi_get_value_int32(env, argv[1], &threads) != napi_ok || threads < 1) return aek_fail(env, "aekit native: threads must be a positive integer");
  context *c = (context *)calloc(1, sizeof(context));
  if (!c) return aek_fail(env, "aekit native: out of memory");
  c->pool = aek_pool_create(threads);
  if (!c->pool) {
    free(c);
    return aek_fail(env, "aekit native: cannot start the thread pool");
  }
  int32_t watch = 1;
  if (argc > 2) napi_get_value_int32(env, argv[2], &watch);
  aek_pool_watch(c->pool, watch != 0);
  c->base = (uint8_t *)data - offset;
  c->bytes = length + offset;
  napi_value ext;
  if (napi_create_external(env, c, finalize, NULL, &ext) != napi_ok) {
    finalize(env, c, NULL);
    return aek_fail(env, "aekit native: cannot create the context");
  }
  return ext;
}

static napi_value threads(napi_env env, napi_callback_info info) {
  double unused[1];
  context *c = aek_args(env, info, 0, unused);
  if (!c) return NULL;
  napi_value r;
  napi_create_int32(env, aek_pool_threads(c->pool), &r);
  return r;
}

static napi_value contention(napi_env env, napi_callback_info info) {
  double unused[1];
  context *c = aek_args(env, info, 0, unused);
  if (!c) return NULL;
  double counts[2];
  aek_pool_contention(c->pool, counts);
  napi_value r, v;
  napi_create_array_with_length(env, 2, &r);
  for (uint32_t i = 0; i < 2; i++) {
    napi_create_double(env, counts[i], &v);
    napi_set_element(env, r, i, v);
  }
  return r;
}

static napi_value isa(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  napi_create_string_utf8(env, aek_isa_name(aek_isa_level()), NAPI_AUTO_LENGTH, &r);
  return r;
}

NAPI_MODULE_INIT() {
  aek_export(env, exports, "create", create);
  aek_export(env, exports, "threads", threads);
  aek_export(env, exports, "isa", isa);
  aek_export(env, exports, "contention", contention);
  aek_glue_gemm(env, exports);
  aek_glue_elementwise(env, exports);
  aek_glue_conv(env, exports);
  return exports;
}
