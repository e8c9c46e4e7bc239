#pragma once
// What this `s2s` is and what it runs on, as one line: `s2s --version` prints it and
// `s2s train` logs it first, so that a bug report or a run's train.log carries it:
//
//   s2s 0.1.0 (commit 3f5ce5d...-dirty); LibTorch 2.15.0; CUDA 13.2 compiled in, 0 GPUs
//   visible; NCCL 2.30.7 compiled in; MKL kernels by CPU features; MPI: Open MPI v4.1.4, ...
//
// The version and commit come from the build (trainer/cli/BuildStamp.h.in), the LibTorch
// version from its headers, the rest from the libraries as loaded at run time.
#include <string>

namespace s2s::cli {

struct BuildInfo {
  std::string version;       // CMake's project version, e.g. "0.1.0"
  std::string commit;        // the full commit, "-dirty" appended if the tree differed; "" outside git
  std::string torch;         // LibTorch's version, e.g. "2.15.0"
  bool cuda_compiled = false;  // the CUDA code paths are built (a LibTorch with CUDA, S2S_CUDA not OFF)
  std::string cuda;          // CUDA runtime LibTorch was built with, e.g. "13.2" ("" without CUDA)
  int cuda_devices = 0;      // GPUs visible to this process now
  std::string nccl;          // NCCL version loaded, e.g. "2.30.7"; "" when built without NCCL
  std::string mpi;           // first line of MPI_Get_library_version
  bool mkl_by_features = true;  // MKL told to pick its kernels by CPU features (core/MklFeatureDispatch.h)

  // Gathers the above; starts no MPI, and asks CUDA only for its device count.
  static BuildInfo of_this_process();
  std::string line() const;
};

}  // namespace s2s::cli
