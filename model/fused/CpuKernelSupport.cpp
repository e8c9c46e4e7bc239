#include "model/fused/CpuKernelSupport.h"

namespace s2s {

bool fused_kernels_run_here() {
#if S2S_FUSED_KERNELS_AVX2
  static const bool runs = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return runs;
#else
  return true;
#endif
}

}  // namespace s2s
