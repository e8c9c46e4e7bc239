// Specification of core/MklFeatureDispatch: an executable linking s2s_core answers MKL's
// vendor question itself, so MKL (inside LibTorch) picks its kernels by the CPU's features.
// Checked against MKL as LibTorch's own Python package loads it (no s2s in that process):
// on an Intel CPU both choose the same code path, on any other CPU with AVX2 ours is a
// higher one than MKL's generic path. And the products on that path are right.
#include <cpuid.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/MklFeatureDispatch.h"
#include "tests/support/PythonOracle.h"
#include "tests/support/ScratchDir.h"

// MKL's own entry points, exported by LibTorch's libtorch_cpu.so.
extern "C" int mkl_serv_cpu_detect();  // the code path MKL runs (0: generic)
extern "C" void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                       const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
                       const float* beta, float* c, const int* ldc);

namespace s2s {
namespace {

bool cpu_is_intel() {
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  __get_cpuid(0, &eax, &ebx, &ecx, &edx);
  return ebx == 0x756e6547 && edx == 0x49656e69 && ecx == 0x6c65746e;  // "GenuineIntel"
}

bool cpu_has_avx2() { return __builtin_cpu_supports("avx2"); }

TEST(MklFeatureDispatch, TheExecutablesAnswerIsTheOneTheLinkerHandsOut) {
  // What MKL's call resolves to: the definition exported by this executable, not LibTorch's.
  void* found = dlsym(RTLD_DEFAULT, "mkl_serv_intel_cpu_true");
  EXPECT_EQ(found, reinterpret_cast<void*>(&mkl_serv_intel_cpu_true));
  EXPECT_NE(dlsym(RTLD_NEXT, "mkl_serv_intel_cpu_true"), nullptr) << "LibTorch's MKL was not linked in";
  ASSERT_EQ(std::getenv("S2S_MKL_VENDOR_DISPATCH"), nullptr) << "run the tests without S2S_MKL_VENDOR_DISPATCH";
  EXPECT_TRUE(mkl_dispatches_by_cpu_features());
  EXPECT_EQ(mkl_serv_intel_cpu_true(), 1);
}

TEST(MklFeatureDispatch, MklRunsTheCodePathOfAnIntelCpuWithTheseFeatures) {
  const test::ScratchDir scratch("s2s-mkl-dispatch-test");
  const std::string stock = test::run_python(
      "import ctypes, os, torch\n"
      "lib = ctypes.CDLL(os.path.join(os.path.dirname(torch.__file__), 'lib', 'libtorch_cpu.so'))\n"
      "print(lib.mkl_serv_cpu_detect())\n",
      scratch.path());
  ASSERT_EQ(stock.find("python failed"), std::string::npos) << stock;
  const int stock_path = std::stoi(stock);
  const int our_path = mkl_serv_cpu_detect();
  if (cpu_is_intel()) {
    EXPECT_EQ(our_path, stock_path);
  } else if (cpu_has_avx2()) {
    EXPECT_GT(our_path, stock_path) << "MKL still runs its generic code on this non-Intel CPU";
  } else {
    EXPECT_GE(our_path, stock_path);
  }
}

TEST(MklFeatureDispatch, ProductsOnThatPathMatchADoublePrecisionReference) {
  // Shapes of a training step: B = 64 rows against a (3D, D) weight, and a square one.
  for (const auto [m, n, k] : {std::array<int, 3>{64, 768, 256}, std::array<int, 3>{257, 129, 300}}) {
    std::mt19937 rng(7);
    std::normal_distribution<float> normal;
    std::vector<float> a(size_t(m) * k), b(size_t(k) * n), c(size_t(m) * n, 0.0f);
    for (auto& x : a) x = normal(rng);
    for (auto& x : b) x = normal(rng);
    const float one = 1.0f, zero = 0.0f;
    // Column-major C (m x n) = A (m x k) B (k x n).
    sgemm_("N", "N", &m, &n, &k, &one, a.data(), &m, b.data(), &k, &zero, c.data(), &m);
    double worst = 0.0;
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < n; ++j) {
        double exact = 0.0;
        for (int l = 0; l < k; ++l) exact += double(a[size_t(l) * m + i]) * double(b[size_t(j) * k + l]);
        worst = std::max(worst, std::abs(exact - c[size_t(j) * m + i]) / std::sqrt(double(k)));
      }
    }
    EXPECT_LT(worst, 1e-5) << m << "x" << n << "x" << k;  // fp32 rounding: ~1e-7 * sqrt(k) per unit
  }
}

}  // namespace
}  // namespace s2s
