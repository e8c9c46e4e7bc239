// set_allow_tf32 switches LibTorch's process-wide TF32 flags for cuBLAS and cuDNN (plain
// settings: no GPU needed to read them back).
#include "trainer/Tf32.h"

#include <ATen/Context.h>
#include <gtest/gtest.h>

namespace s2s {
namespace {

TEST(Tf32, SwitchesCublasAndCudnnTogether) {
  auto& context = at::globalContext();
  const bool cublas = context.allowTF32CuBLAS(), cudnn = context.allowTF32CuDNN();
  set_allow_tf32(false);
  EXPECT_FALSE(context.allowTF32CuBLAS());
  EXPECT_FALSE(context.allowTF32CuDNN());
  EXPECT_EQ(context.float32Precision(at::Float32Backend::CUDA, at::Float32Op::MATMUL),
            at::Float32Precision::IEEE);
  set_allow_tf32(true);
  EXPECT_TRUE(context.allowTF32CuBLAS());
  EXPECT_TRUE(context.allowTF32CuDNN());
  EXPECT_EQ(context.float32Precision(at::Float32Backend::CUDA, at::Float32Op::MATMUL),
            at::Float32Precision::TF32);
  context.setAllowTF32CuBLAS(cublas);
  context.setAllowTF32CuDNN(cudnn);
}

}  // namespace
}  // namespace s2s
