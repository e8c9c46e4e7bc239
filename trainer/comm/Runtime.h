#pragma once
// The process's place in the job: MPI set-up and tear-down, rank and world, the rank's place
// on its node (local rank), its device and its CPU threads. One per process, created first
// (before any Communicator) and destroyed last.
//
//   s2s::RuntimeOptions options;
//   options.threads = config.run.threads;
//   s2s::Runtime runtime(&argc, &argv, options);
//   s2s::Log::configure(level, runtime.rank());
//   auto comm = runtime.make_communicator();   // NCCL on cuda:<local rank>, else MPI
//
// Failure policy: a rank that fails must take the job down, never leave the others
// waiting in a collective. Two ways keep that promise:
//  - A Runtime destroyed by an exception in flight skips MPI_Finalize (which would wait
//    for peers that wait for this rank); the process then exits non-zero without having
//    finalised, and mpirun ends every rank (Open MPI: about a second).
//  - A caller that catches an error itself, while the Runtime lives on, must end with
//    abort(code) (MPI_Abort), not return: returning would finalise and wait for the peers.
//    Runtime::guard(body) does exactly that for a whole main().
#include <torch/torch.h>

#include <exception>
#include <memory>
#include <string>

#include "trainer/comm/Communicator.h"

namespace s2s {

struct RuntimeOptions {
  bool use_cuda = true;  // take cuda:<local rank> when CUDA is usable; else the CPU
  // Intra-op CPU threads per rank (torch::set_num_threads); 0 = the node's online cores /
  // its ranks, at most the cores this process is bound to (mpirun may pin a rank to one).
  int threads = 0;
};

class Runtime {
 public:
  // Initialises MPI (MPI_THREAD_MULTIPLE when the library has it), or adopts an MPI that
  // is already initialised (then leaves finalising to whoever initialised it). Works
  // without mpirun as a world of one (singleton init).
  Runtime(int* argc, char*** argv, RuntimeOptions options = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  int rank() const { return rank_; }              // in MPI_COMM_WORLD
  int world_size() const { return size_; }        // ranks in the job
  int local_rank() const { return local_rank_; }  // among the ranks on this node
  int local_size() const { return local_size_; }  // ranks on this node
  const std::string& host() const { return host_; }
  torch::Device device() const { return device_; }  // cuda:<local rank> or cpu
  int threads() const { return threads_; }          // intra-op threads this rank uses
  // Whether MPI may be called from several threads at once; without it GradientSync
  // all-reduces after backward instead of during it (no overlap).
  bool thread_multiple() const { return thread_multiple_; }

  // A communicator over all ranks for tensors on device(): NCCL on CUDA, MPI on the CPU.
  // Collective. Each call makes a new, independent one.
  std::unique_ptr<Communicator> make_communicator() const;

  // Ends the whole job with `code` (MPI_Abort); the other ranks are killed too.
  [[noreturn]] void abort(int code) const;

  // Runs body() and returns its result; if it throws, prints "s2s: error: <what>" with the
  // rank and host to stderr and ends the whole job with abort(1).
  template <class Body>
  int guard(Body&& body) const {
    try {
      return body();
    } catch (const std::exception& e) {
      fail(e.what());
    } catch (...) {
      fail("unknown exception");
    }
  }

  // One line for the log: "rank 1/4 on node7 (local 1/2), cuda:1, 1 thread".
  std::string describe() const;

 private:
  [[noreturn]] void fail(const char* what) const;
  void find_local_rank();
  void choose_device(const RuntimeOptions& options);
  void choose_threads(const RuntimeOptions& options);

  bool owns_mpi_ = false;  // we called MPI_Init, so we call MPI_Finalize
  bool thread_multiple_ = false;
  int rank_ = 0;
  int size_ = 1;
  int local_rank_ = 0;
  int local_size_ = 1;
  int threads_ = 1;
  std::string host_;
  torch::Device device_{torch::kCPU};
};

}  // namespace s2s
