#include "trainer/comm/CommLibraries.h"

#include <mpi.h>

#include <fmt/format.h>

#include <cstring>

#include "trainer/comm/MpiCheck.h"
#ifdef S2S_WITH_NCCL
#include "trainer/comm/NcclCheck.h"
#endif

namespace s2s {

std::string CommLibraries::mpi() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  S2S_MPI_CHECK(MPI_Get_library_version(text, &length));
  // Open MPI counts the terminating NUL in `length`; MPICH does not.
  const std::string all(text, ::strnlen(text, static_cast<size_t>(length)));
  const std::string line = all.substr(0, all.find('\n'));
  return line.substr(0, line.find_last_not_of(" \t\r") + 1);
}

std::string CommLibraries::nccl() {
#ifdef S2S_WITH_NCCL
  int code = 0;
  S2S_NCCL_CHECK(ncclGetVersion(&code));
  // Since NCCL 2.9 the code is major * 10000 + minor * 100 + patch (before: * 1000 + * 100).
  if (code >= 20900) return fmt::format("{}.{}.{}", code / 10000, code / 100 % 100, code % 100);
  return fmt::format("{}.{}.{}", code / 1000, code / 100 % 10, code % 100);
#else
  return "";
#endif
}

}  // namespace s2s
