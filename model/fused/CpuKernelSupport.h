#pragma once
// Whether this room's CPU kernels (the *Kernel.cpp files) can run on this CPU. On x86-64 they
// are compiled for AVX2 + FMA, as ATen compiles its own AVX2 kernels (model/CMakeLists.txt),
// so the CPU must have both; elsewhere they are built with ATen's portable vectors and always
// run. Where this says no, each fused piece takes its LibTorch composition instead.
namespace s2s {

bool fused_kernels_run_here();

}  // namespace s2s
