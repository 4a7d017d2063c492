/* The conv kernels' Node-API functions. (Being written: registers none yet; the backend uses wasm for them.) */
#include "glue.h"

void aek_glue_conv(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
}
