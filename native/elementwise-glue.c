/* The elementwise kernels' Node-API functions. (Being written: registers none yet; the backend uses wasm for them.) */
#include "glue.h"

void aek_glue_elementwise(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
}
