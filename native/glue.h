/*
 * What every Node-API glue file shares: the kernel context (the thread pool and the memory's base address),
 * reading a call's arguments, and turning byte offsets into pointers. See addon.c for the calling convention.
 */
#ifndef AEK_GLUE_H
#define AEK_GLUE_H

#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernels.h"

typedef struct context {
  aek_pool *pool;
  uint8_t *base;
  size_t bytes; /* the memory's size when the context was made */
} context;

/* Arguments a call may take, the context included (a convolution passes 17). */
#define MAX_ARGS 24

/* Throws a JS Error with `msg`; returns NULL for the caller to return. */
napi_value aek_fail(napi_env env, const char *msg);

/* Reads the context and `want` numbers into `out`; returns the context, or NULL with a JS exception pending. */
context *aek_args(napi_env env, napi_callback_info info, size_t want, double *out);

/* A float32 pointer from a byte offset into the memory. */
#define F32(c, off) ((float *)((c)->base + (size_t)(off)))

/* Adds a function to the addon's exports. */
void aek_export(napi_env env, napi_value exports, const char *name, napi_callback fn);

/* Each kernel family's glue file registers its functions (called once when the addon loads). */
void aek_glue_gemm(napi_env env, napi_value exports);
void aek_glue_elementwise(napi_env env, napi_value exports);
void aek_glue_conv(napi_env env, napi_value exports);

#endif
