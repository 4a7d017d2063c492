/*
 * aekit's native kernels: shared declarations.
 *
 * Every kernel file is compiled once per instruction set (scripts/build-native.mjs: -mavx512f..., -mavx2 -mfma,
 * and a portable build) with AEK_ISA set to its suffix, so one source gives gemm_avx512, gemm_avx2 and
 * gemm_generic; cpu.c picks a table at load time from what the CPU reports.
 *
 * Pointers are real addresses: the operands live in the backend's WebAssembly.Memory (a SharedArrayBuffer whose
 * base never moves: V8 reserves a shared memory's maximum up front), so the kernels work in place, no copies.
 */
#ifndef AEK_KERNELS_H
#define AEK_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "pool.h"

/* A spin-wait hint to the CPU (lets the sibling hyper-thread run). */
#if defined(__x86_64__) || defined(__i386__)
#define AEK_RELAX() __builtin_ia32_pause()
#else
#define AEK_RELAX() ((void)0)
#endif

/*
 * GEMM blocking shared by every ISA. The sum order of each element of C depends only on KC (each K block is
 * accumulated in registers with fused multiply-adds from p = 0 up, then added to C), never on the micro-tile or
 * on which thread ran it: so results are the same for any thread count, and the AVX-512 and AVX2 builds agree
 * bit for bit. MC and NC (multiples of every ISA's MR and NR) cut C into the tiles threads claim.
 */
#define GEMM_KC 256
#define GEMM_MC 48
#define GEMM_NC 128

typedef struct aek_gemm_args {
  const float *a, *b;
  float *c;
  long m, n, k;
  int trans_a, trans_b;
} aek_gemm_args;

typedef struct aek_isa {
  const char *name;
  /* Micro-tile of this ISA (rows, columns). */
  int mr, nr;
  int (*gemm)(aek_pool *pool, const aek_gemm_args *g);
} aek_isa;

#define AEK_CAT2(a, b) a##_##b
#define AEK_CAT(a, b) AEK_CAT2(a, b)
#define AEK_FN(name) AEK_CAT(name, AEK_ISA)

extern const aek_isa aek_isa_avx512, aek_isa_avx2, aek_isa_generic;

/* The best table this CPU runs (AEKIT_NATIVE_ISA=avx2|generic forces a lower one, for tests). */
const aek_isa *aek_select_isa(void);

#endif
