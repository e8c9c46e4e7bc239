#include "core/MklFeatureDispatch.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

namespace s2s {

bool mkl_dispatches_by_cpu_features() {
  static const bool by_features = [] {
    const char* v = std::getenv("S2S_MKL_VENDOR_DISPATCH");
    return v == nullptr || std::strcmp(v, "1") != 0;
  }();
  return by_features;
}

}  // namespace s2s

extern "C" int mkl_serv_intel_cpu_true() {
  if (s2s::mkl_dispatches_by_cpu_features()) return 1;
  // MKL's own answer: the next definition in lookup order after this one (LibTorch's).
  using Query = int (*)();
  static const auto mkl_own = reinterpret_cast<Query>(dlsym(RTLD_NEXT, "mkl_serv_intel_cpu_true"));
  return mkl_own ? mkl_own() : 0;
}
