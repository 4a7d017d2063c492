/*
 * The Node-API face of the native kernels (src/kernels/native/backend.ts is the only caller).
 *
 *   ctx = create(memoryBytes: Uint8Array over the backend's WebAssembly.Memory, threads)
 *   gemm(ctx, a, b, c, m, n, k, transA, transB)      operands as byte offsets into that memory
 *
 * Operands are byte offsets rather than typed arrays: reading a number costs a few nanoseconds, unwrapping a
 * typed array ten times more, and the memory's base address is fixed (a shared WebAssembly.Memory reserves its
 * maximum size up front, so growing it never moves it). Node-API (not V8's C++ API) keeps the binary working
 * across Node versions without a rebuild.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernels.h"

typedef struct context {
  aek_pool *pool;
  uint8_t *base;
  size_t bytes; /* the memory's size when the context was made; offsets are checked against the maximum */
} context;

#define MAX_ARGS 16

/* The kernel table for this CPU, chosen once when the addon loads. */
static const aek_isa *ISA;

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  context *c = (context *)data;
  aek_pool_destroy(c->pool);
  free(c);
}

/* Reads the context and `want` numbers; returns the context or NULL (with a JS exception pending). */
static context *args(napi_env env, napi_callback_info info, size_t want, double *out) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want + 1) {
    napi_throw_type_error(env, NULL, "aekit native: wrong number of arguments");
    return NULL;
  }
  context *c = NULL;
  if (napi_get_value_external(env, argv[0], (void **)&c) != napi_ok || !c) {
    napi_throw_type_error(env, NULL, "aekit native: the first argument must be a context");
    return NULL;
  }
  for (size_t i = 0; i < want; i++) {
    if (napi_get_value_double(env, argv[i + 1], &out[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "aekit native: arguments after the context must be numbers");
      return NULL;
    }
  }
  return c;
}

static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return fail(env, "aekit native: create(memoryBytes, threads)");
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value buffer;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_uint8_array)
    return fail(env, "aekit native: create() needs a Uint8Array over the memory");
  int32_t threads;
  if (napi_get_value_int32(env, argv[1], &threads) != napi_ok || threads < 1) return fail(env, "aekit native: threads must be a positive integer");
  context *c = (context *)calloc(1, sizeof(context));
  if (!c) return fail(env, "aekit native: out of memory");
  c->pool = aek_pool_create(threads);
  if (!c->pool) {
    free(c);
    return fail(env, "aekit native: cannot start the thread pool");
  }
  c->base = (uint8_t *)data - offset;
  c->bytes = length + offset;
  napi_value ext;
  if (napi_create_external(env, c, finalize, NULL, &ext) != napi_ok) {
    finalize(env, c, NULL);
    return fail(env, "aekit native: cannot create the context");
  }
  return ext;
}

static napi_value threads(napi_env env, napi_callback_info info) {
  double unused[1];
  context *c = args(env, info, 0, unused);
  if (!c) return NULL;
  napi_value r;
  napi_create_int32(env, aek_pool_threads(c->pool), &r);
  return r;
}

static napi_value isa(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  napi_create_string_utf8(env, ISA->name, NAPI_AUTO_LENGTH, &r);
  return r;
}

#define F32(c, off) ((float *)((c)->base + (size_t)(off)))

static napi_value gemm(napi_env env, napi_callback_info info) {
  double v[8];
  context *c = args(env, info, 8, v);
  if (!c) return NULL;
  aek_gemm_args g = {F32(c, v[0]), F32(c, v[1]), F32(c, v[2]), (long)v[3], (long)v[4], (long)v[5], v[6] != 0, v[7] != 0};
  if (ISA->gemm(c->pool, &g) != 0) return fail(env, "aekit native: out of memory for the GEMM workspace");
  return NULL;
}

NAPI_MODULE_INIT() {
  ISA = aek_select_isa();
  napi_property_descriptor props[] = {
      {"create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
      {"threads", NULL, threads, NULL, NULL, NULL, napi_default, NULL},
      {"isa", NULL, isa, NULL, NULL, NULL, napi_default, NULL},
      {"gemm", NULL, gemm, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
