/* Picks the kernel table for this CPU at load time (the build compiled one per ISA; see kernels.h). */
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

const aek_isa *aek_select_isa(void) {
  /* AEKIT_NATIVE_ISA caps the choice, so tests can run the AVX2 and portable kernels on an AVX-512 machine. */
  const char *cap = getenv("AEKIT_NATIVE_ISA");
  int allow512 = !cap || !strcmp(cap, "avx512");
  int allow2 = allow512 || (cap && !strcmp(cap, "avx2"));
#if defined(AEK_HAVE_X86) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  if (allow512 && __builtin_cpu_supports("avx512f")) return &aek_isa_avx512;
  if (allow2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &aek_isa_avx2;
#else
  (void)allow512;
  (void)allow2;
#endif
  return &aek_isa_generic;
}
