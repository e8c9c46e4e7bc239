#pragma once
// S2S_NCCL_CHECK(call) and S2S_CUDA_CHECK(call): a failed NCCL or CUDA runtime call as one
// s2s::Error line with the host, rank, file:line, the call and the library's own words, as
// nccl-tests prints them ("host: NCCL failure file:line 'unhandled cuda error'"). Only for
// builds with NCCL (S2S_WITH_NCCL); include it from .cpp files only.
#include <cuda_runtime_api.h>
#include <nccl.h>

#include "trainer/comm/MpiCheck.h"

namespace s2s::detail {

inline void nccl_check(ncclResult_t result, const char* call, const char* file, int line) {
  if (result == ncclSuccess) return;
  // ncclGetLastError says more than ncclGetErrorString (which only names the category).
  const char* detail = ncclGetLastError(nullptr);
  throw_library_failure("NCCL", call, file, line, ncclGetErrorString(result), detail ? detail : "");
}

inline void cuda_check(cudaError_t result, const char* call, const char* file, int line) {
  if (result == cudaSuccess) return;
  throw_library_failure("CUDA", call, file, line, cudaGetErrorString(result));
}

}  // namespace s2s::detail

#define S2S_NCCL_CHECK(call) ::s2s::detail::nccl_check((call), #call, __FILE__, __LINE__)
#define S2S_CUDA_CHECK(call) ::s2s::detail::cuda_check((call), #call, __FILE__, __LINE__)
