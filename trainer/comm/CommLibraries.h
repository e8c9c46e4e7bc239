#pragma once
// Which MPI and NCCL libraries this process runs on, for `s2s --version` and the first line
// of a training log: the libraries actually loaded, which may differ from the headers the
// build saw. Both calls work before MPI_Init (MPI_Get_library_version is one of the few MPI
// functions that may be called then), so `s2s --version` starts no MPI.
#include <string>

namespace s2s {

class CommLibraries {
 public:
  // The first line of MPI_Get_library_version, e.g. "Open MPI v4.1.4, package: Debian
  // OpenMPI, ident: 4.1.4, repo rev: v4.1.4, May 26, 2022" (MPICH's text has several lines).
  static std::string mpi();
  // ncclGetVersion as "2.30.7", or "" when this s2s was built without NCCL.
  static std::string nccl();
};

}  // namespace s2s
