// AutocastScope on the CPU: a matmul inside a bf16 scope runs in bfloat16, one outside (or
// in an fp32 scope) in float32, and the autocast state before the scope comes back after it;
// the same on CUDA (skipped without a GPU).
#include "trainer/AutocastScope.h"

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>

namespace s2s {
namespace {

TEST(AutocastScope, Bf16RunsMatmulsInBfloat16OnlyInsideTheScope) {
  const auto a = torch::randn({4, 3}), b = torch::randn({3, 2});
  {
    const AutocastScope scope(torch::kCPU, Precision::bf16);
    EXPECT_TRUE(scope.active());
    EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kBFloat16);
    EXPECT_EQ((a + 1).scalar_type(), torch::kFloat) << "only autocast-listed ops change dtype";
  }
  EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kFloat);
  EXPECT_FALSE(at::autocast::is_autocast_enabled(torch::kCPU));
}

TEST(AutocastScope, Fp32ChangesNothing) {
  const AutocastScope scope(torch::kCPU, Precision::fp32);
  EXPECT_FALSE(scope.active());
  EXPECT_FALSE(at::autocast::is_autocast_enabled(torch::kCPU));
  EXPECT_EQ(torch::mm(torch::randn({2, 2}), torch::randn({2, 2})).scalar_type(), torch::kFloat);
}

TEST(AutocastScope, RestoresTheEnclosingAutocastState) {
  at::autocast::set_autocast_dtype(torch::kCPU, torch::kHalf);
  at::autocast::set_autocast_enabled(torch::kCPU, true);
  {
    const AutocastScope scope(torch::kCPU, Precision::bf16);
    EXPECT_EQ(at::autocast::get_autocast_dtype(torch::kCPU), torch::kBFloat16);
  }
  EXPECT_TRUE(at::autocast::is_autocast_enabled(torch::kCPU));
  EXPECT_EQ(at::autocast::get_autocast_dtype(torch::kCPU), torch::kHalf);
  at::autocast::set_autocast_enabled(torch::kCPU, false);
  at::autocast::set_autocast_dtype(torch::kCPU, torch::kBFloat16);  // LibTorch's CPU default
}

TEST(AutocastScope, Bf16OnCudaRunsMatmulsInBfloat16AndLeavesTheCpuAlone) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA GPU";
  const auto options = torch::TensorOptions().device(torch::kCUDA, 0);
  const auto a = torch::randn({4, 3}, options), b = torch::randn({3, 2}, options);
  {
    const AutocastScope scope(torch::kCUDA, Precision::bf16);
    EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kBFloat16);
    EXPECT_EQ(torch::mm(a.cpu(), b.cpu()).scalar_type(), torch::kFloat) << "only the scope's device type";
  }
  EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kFloat);
  EXPECT_FALSE(at::autocast::is_autocast_enabled(torch::kCUDA));
}

}  // namespace
}  // namespace s2s
