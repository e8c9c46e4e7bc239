#pragma once
// Communicator over NCCL, for CUDA tensors on this rank's GPU. The NCCL unique id travels
// over MPI (rank 0 makes it, MPI_Bcast hands it out); scalars, strings and barriers go
// over MPI too. Collectives run on an NCCL stream of its own, ordered after the caller's
// current stream with a CUDA event, and each call waits until the result is complete
// (while watching for NCCL's asynchronous errors, so a dead peer raises instead of hanging).
//
// Built only with NCCL (S2S_WITH_NCCL). Construction fails with one s2s::Error line on
// every rank when any rank has no usable GPU.
#include <mpi.h>

#include <memory>

#include "trainer/comm/Communicator.h"
#include "trainer/comm/MpiCommunicator.h"

namespace s2s {

class NcclCommunicator : public Communicator {
 public:
  // Collective over `comm`'s ranks; `device` is this rank's GPU (cuda:<local rank>).
  NcclCommunicator(MPI_Comm comm, torch::Device device);
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override { return host_->rank(); }
  int size() const override { return host_->size(); }
  Backend backend() const override { return Backend::nccl; }
  torch::Device device() const override { return device_; }

  void all_reduce_sum(const torch::Tensor& tensor) override;
  void broadcast(const torch::Tensor& tensor, int root) override;
  double all_reduce_sum(double value) override { return host_->all_reduce_sum(value); }
  int64_t all_reduce_sum(int64_t value) override { return host_->all_reduce_sum(value); }
  std::vector<int64_t> all_gather(int64_t value) override { return host_->all_gather(value); }
  std::vector<std::string> all_gather(const std::string& value) override {
    return host_->all_gather(value);
  }
  void barrier() override { host_->barrier(); }
  bool thread_safe() const override { return host_->thread_safe(); }
  std::string async_error() const override;  // ncclCommGetAsyncError
  std::unique_ptr<Communicator> duplicate() const override;
  [[noreturn]] void abort(int code) const override;

 private:
  struct Cuda;  // the NCCL communicator, its stream and events (NcclCommunicator.cpp)

  void check_tensor(const torch::Tensor& tensor, const char* what) const;

  std::unique_ptr<MpiCommunicator> host_;  // unique-id broadcast, scalars, strings, barrier
  torch::Device device_;
  std::unique_ptr<Cuda> cuda_;
};

}  // namespace s2s
