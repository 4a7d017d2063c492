/* Which instruction set the kernels use: decided once, at the addon's first call (see kernels.h). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

static int detect(void) {
  /* AEKIT_NATIVE_ISA caps the choice, so tests can run the AVX2 and portable kernels on an AVX-512 machine. */
  const char *cap = getenv("AEKIT_NATIVE_ISA");
  int max = !cap ? AEK_AVX512 : !strcmp(cap, "avx2") ? AEK_AVX2 : !strcmp(cap, "generic") ? AEK_GENERIC : AEK_AVX512;
#ifdef AEK_HAVE_X86
  __builtin_cpu_init();
  /* The AVX-512 build also uses DQ, BW and VL instructions where the compiler finds them useful. */
  if (max >= AEK_AVX512 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl"))
    return AEK_AVX512;
  if (max >= AEK_AVX2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return AEK_AVX2;
#endif
  (void)max;
  return AEK_GENERIC;
}

int aek_isa_level(void) {
  static _Atomic int level = -1;
  int l = atomic_load(&level);
  if (l < 0) atomic_store(&level, l = detect());
  return l;
}

const char *aek_isa_name(int level) { return level == AEK_AVX512 ? "avx512" : level == AEK_AVX2 ? "avx2" : "generic"; }
