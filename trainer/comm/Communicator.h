#pragma once
// The collective operations s2s needs across ranks, and the only door to MPI and NCCL:
// everything above it (GradientSync, the trainer, checkpoints) talks to this interface.
// Two backends: MpiCommunicator (CPU tensors) and NcclCommunicator (CUDA tensors).
//
// Every operation is collective: every rank of the communicator must call the same
// operations in the same order with tensors of the same shape and dtype, or the job hangs
// or fails. A Communicator is not meant to be shared between threads; give a thread its
// own (duplicate()) so that its collectives never interleave with another thread's.
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/EnumNames.h"

namespace s2s {

// Which library moves the bytes: MPI (CPU tensors) or NCCL (CUDA tensors).
S2S_ENUM(Backend, mpi, nccl);

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;                // this process's rank in the communicator
  virtual int size() const = 0;                // number of ranks
  virtual Backend backend() const = 0;
  virtual torch::Device device() const = 0;    // where tensors passed to it must live

  // Sums `tensor` over all ranks, in place: float32, float64 or int64, contiguous, on
  // device(). Blocking: when it returns, `tensor` holds the sum (on CUDA: after all work
  // that the caller's current stream had queued on it, and complete).
  virtual void all_reduce_sum(const torch::Tensor& tensor) = 0;

  // Copies root's `tensor` into every rank's, in place (any dtype; contiguous; on device()).
  virtual void broadcast(const torch::Tensor& tensor, int root) = 0;

  // Host-side helpers for counts, losses and diagnostics (always over the host, also for
  // NCCL: a GPU round trip for one number costs more than it saves).
  virtual double all_reduce_sum(double value) = 0;
  virtual int64_t all_reduce_sum(int64_t value) = 0;
  virtual std::vector<int64_t> all_gather(int64_t value) = 0;               // [size()]
  virtual std::vector<std::string> all_gather(const std::string& value) = 0;  // [size()]
  virtual void barrier() = 0;

  // Whether this communicator may run on a background thread while other threads use
  // other communicators (MPI_THREAD_MULTIPLE). GradientSync overlaps only when it may.
  virtual bool thread_safe() const = 0;

  // An error that the library found on its own while collectives were in flight (NCCL's
  // asynchronous errors: a peer died, a network failure), as one line; "" when none, or when
  // the backend reports every error from the call itself (MPI). Safe to call from another
  // thread while a collective runs (the collective watchdog polls it).
  virtual std::string async_error() const { return ""; }

  // A new communicator over the same ranks whose collectives are independent of this
  // one's (its own MPI communicator, its own NCCL communicator). Collective.
  virtual std::unique_ptr<Communicator> duplicate() const = 0;

  // Ends the whole job with `code` from this rank (MPI_Abort): for a rank that cannot go on
  // and must not leave the others waiting in a collective.
  [[noreturn]] virtual void abort(int code) const = 0;
};

}  // namespace s2s
