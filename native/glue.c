/* The shared parts of the Node-API glue (glue.h). */
#include "glue.h"

napi_value aek_fail(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

context *aek_args(napi_env env, napi_callback_info info, size_t want, double *out) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  if (want + 1 > MAX_ARGS || napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want + 1) {
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

void aek_export(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f);
  napi_set_named_property(env, exports, name, f);
}
