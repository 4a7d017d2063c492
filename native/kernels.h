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
 * accumulated in registers with fused multiply-adds from p = 0 up, then added to C), never on the micro-tile,
 * the tiles or which thread ran it: so results are the same for any thread count, and the AVX-512 and AVX2
 * builds agree bit for bit. MC (a multiple of every ISA's MR) is the rows of the tiles threads claim; their
 * columns are chosen per call (isa/gemm.c).
 */
#define GEMM_KC 256
#define GEMM_MC 48

/* Activations the GEMM can apply to its output (Kernels.linear); codes of src/kernels/native/gemm.ts. */
enum { AEK_ACT_NONE = 0, AEK_ACT_SIGMOID = 1, AEK_ACT_RELU = 2, AEK_ACT_TANH = 3 };

typedef struct aek_gemm_args {
  const float *a, *b;
  float *c;
  long m, n, k;
  int trans_a, trans_b;
  /*
   * Epilogue, applied to each tile of C after its last K block while it is in cache: C = C + bias (bias[n], or
   * NULL), then the activation: relu inline, sigmoid and tanh through `unary` (the elementwise kernels' serial
   * unary with their op codes, so the result is the same bits as the separate kernels).
   */
  const float *bias;
  int act;
  void (*unary)(int op, const float *x, float *out, long n);
  int unary_op;
} aek_gemm_args;

/* GEMM entry points of one ISA build. Returns 0, or -1 when its workspace cannot be allocated. */
typedef struct aek_gemm_isa {
  int mr, nr; /* micro-tile (rows, columns) */
  int (*gemm)(aek_pool *pool, const aek_gemm_args *g);
} aek_gemm_isa;

#define AEK_CAT2(a, b) a##_##b
#define AEK_CAT(a, b) AEK_CAT2(a, b)
/* AEK_FN(gemm) is gemm_avx512, gemm_avx2 or gemm_generic in the build for that ISA. */
#define AEK_FN(name) AEK_CAT(name, AEK_ISA)

/* Instruction-set levels, best last. */
enum { AEK_GENERIC = 0, AEK_AVX2 = 1, AEK_AVX512 = 2 };

/* The best level this CPU runs, capped by AEKIT_NATIVE_ISA=avx2|generic (for tests); decided once. */
int aek_isa_level(void);
const char *aek_isa_name(int level);

/* A family's table for `level`: each family defines base_avx512, base_avx2 and base_generic (x86 builds). */
#ifdef AEK_HAVE_X86
#define AEK_PICK(level, base) ((level) == AEK_AVX512 ? &AEK_CAT(base, avx512) : (level) == AEK_AVX2 ? &AEK_CAT(base, avx2) : &AEK_CAT(base, generic))
#else
#define AEK_PICK(level, base) (&AEK_CAT(base, generic))
#endif

#ifdef AEK_HAVE_X86
extern const aek_gemm_isa aek_gemm_avx512, aek_gemm_avx2;
#endif
extern const aek_gemm_isa aek_gemm_generic;

#endif
