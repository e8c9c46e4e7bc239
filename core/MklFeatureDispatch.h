#pragma once
// Intel MKL, which LibTorch's CPU matrix products go through, picks its kernels by asking
// whether the CPU is an Intel one: on any other vendor's CPU it runs its generic AVX2 code,
// even where the CPU has AVX-512 (AMD Zen 4 and later). On this project's Zen 4 VM that
// costs a step 11-12%: fp32 GEMMs run at 93-99 GFLOP/s on the generic path and 108-114 on
// MKL's AVX-512 kernels (bench/RESULTS.md, "MKL's kernels by CPU features").
//
// MKL asks through its exported function mkl_serv_intel_cpu_true(). This file defines that
// function in the executable, which the dynamic linker finds before LibTorch's own, and
// answers "yes": MKL then chooses its kernels by the CPU's feature bits alone (AVX-512 when
// present, AVX2 otherwise), as it does on Intel CPUs. Nothing changes on Intel CPUs, or for a
// LibTorch built without MKL. Every s2s executable carries it (s2s_core's link options,
// core/CMakeLists.txt).
//
// S2S_MKL_VENDOR_DISPATCH=1 in the environment restores MKL's own answer (read once, before
// the first matrix product); use it to compare, or if a CPU misbehaves on those kernels.
namespace s2s {

// Whether MKL is told to choose its kernels by CPU features (true unless
// S2S_MKL_VENDOR_DISPATCH=1), for the version line.
bool mkl_dispatches_by_cpu_features();

}  // namespace s2s

// MKL's question, answered here; exported from every executable linking s2s_core.
extern "C" int mkl_serv_intel_cpu_true();
