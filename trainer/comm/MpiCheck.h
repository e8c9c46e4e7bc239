#pragma once
// S2S_MPI_CHECK(call): turns a failed MPI call into one s2s::Error line that says where it
// happened (host, rank, file:line, the call) and what MPI itself said, in the manner of
// nccl-tests' "host: Test MPI failure file:line 'error'". The world communicator is set
// to MPI_ERRORS_RETURN by Runtime (and every communicator s2s makes inherits or sets it),
// so MPI reports errors through return codes instead of killing the job silently.
#include <mpi.h>

#include <string>
#include <string_view>

#include "core/Check.h"
#include "core/HostName.h"

namespace s2s::detail {

// World rank, or -1 before MPI_Init / after MPI_Finalize (errors can happen there too).
inline int world_rank_or_minus_one() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) return -1;
  int rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

// "trainer/comm/MpiCommunicator.cpp" from an absolute __FILE__: short, and the same on every
// machine that built the same tree.
inline const char* source_name(const char* file) {
  const std::string_view path(file);
  const size_t room = path.rfind("trainer/");
  if (room != std::string_view::npos) return file + room;
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? file : file + slash + 1;
}

// "MPI_Allreduce" from "MPI_Allreduce(MPI_IN_PLACE, ...)": the call, not its arguments.
inline std::string call_name(const char* call) {
  const std::string_view text(call);
  return std::string(text.substr(0, text.find('(')));
}

inline std::string mpi_error_string(int code) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return fmt::format("MPI error code {}", code);
  return std::string(text, static_cast<size_t>(length));
}

// "node07: rank 3: MPI failure trainer/comm/MpiCommunicator.cpp:42 in MPI_Allreduce: '<what
// the library said>' (<more, when it says more>)": the one shape of every MPI, NCCL and CUDA
// failure line.
[[noreturn]] inline void throw_library_failure(const char* library, const char* call, const char* file,
                                               int line, const std::string& what,
                                               const std::string& more = {}) {
  throw Error(fmt::format("{}: rank {}: {} failure {}:{} in {}: '{}'{}", ::s2s::host_name(),
                          world_rank_or_minus_one(), library, source_name(file), line, call_name(call), what,
                          more.empty() ? std::string() : fmt::format(" ({})", more)),
              file, line);
}

inline void mpi_check(int code, const char* call, const char* file, int line) {
  if (code == MPI_SUCCESS) return;
  throw_library_failure("MPI", call, file, line, mpi_error_string(code));
}

}  // namespace s2s::detail

#define S2S_MPI_CHECK(call) ::s2s::detail::mpi_check((call), #call, __FILE__, __LINE__)
