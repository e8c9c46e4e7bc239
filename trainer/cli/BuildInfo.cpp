#include "trainer/cli/BuildInfo.h"

#include <ATen/Context.h>
#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "BuildStamp.h"  // generated: S2S_BUILD_VERSION, S2S_BUILD_COMMIT, S2S_HAVE_CUDA
#include "core/MklFeatureDispatch.h"
#include "trainer/comm/CommLibraries.h"

namespace s2s::cli {

BuildInfo BuildInfo::of_this_process() {
  BuildInfo info;
  info.version = S2S_BUILD_VERSION;
  info.commit = S2S_BUILD_COMMIT;
  info.torch = TORCH_VERSION;
  info.cuda_compiled = S2S_HAVE_CUDA && at::Context::hasCUDART();
  if (info.cuda_compiled) {
    const long v = at::Context::versionCUDART();  // e.g. 13020 for CUDA 13.2
    info.cuda = fmt::format("{}.{}", v / 1000, v % 1000 / 10);
    info.cuda_devices = static_cast<int>(torch::cuda::device_count());
  }
  info.nccl = CommLibraries::nccl();
  info.mpi = CommLibraries::mpi();
  info.mkl_by_features = mkl_dispatches_by_cpu_features();
  return info;
}

std::string BuildInfo::line() const {
  const std::string built = commit.empty() ? "not built from a git tree" : "commit " + commit;
  const std::string cuda_part = cuda_compiled ? fmt::format("CUDA {} compiled in, {} GPU{} visible", cuda,
                                                            cuda_devices, cuda_devices == 1 ? "" : "s")
                                              : "CUDA not compiled in";
  const std::string nccl_part = nccl.empty() ? "NCCL not compiled in" : fmt::format("NCCL {} compiled in", nccl);
  const char* mkl_part = mkl_by_features ? "MKL kernels by CPU features" : "MKL kernels by vendor";
  return fmt::format("s2s {} ({}); LibTorch {}; {}; {}; {}; MPI: {}", version, built, torch, cuda_part, nccl_part,
                     mkl_part, mpi);
}

}  // namespace s2s::cli
