#pragma once
// Communicator over MPI, for CPU tensors: MPI_Allreduce with MPI_IN_PLACE, MPI_Bcast.
// It works on its own duplicate of the communicator it is given, so its collectives never
// match another object's by accident (MPI matches collectives per communicator, in order).
#include <mpi.h>

#include "trainer/comm/Communicator.h"

namespace s2s {

class MpiCommunicator : public Communicator {
 public:
  // Duplicates `comm` (collective over its ranks) and sets MPI_ERRORS_RETURN on the copy.
  // MPI must be initialised (Runtime) and stay so for this object's whole life.
  explicit MpiCommunicator(MPI_Comm comm = MPI_COMM_WORLD);
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  Backend backend() const override { return Backend::mpi; }
  torch::Device device() const override { return torch::kCPU; }

  void all_reduce_sum(const torch::Tensor& tensor) override;
  void broadcast(const torch::Tensor& tensor, int root) override;
  double all_reduce_sum(double value) override;
  int64_t all_reduce_sum(int64_t value) override;
  std::vector<int64_t> all_gather(int64_t value) override;
  std::vector<std::string> all_gather(const std::string& value) override;
  void barrier() override;
  bool thread_safe() const override;
  std::unique_ptr<Communicator> duplicate() const override;
  [[noreturn]] void abort(int code) const override;

  MPI_Comm handle() const { return comm_; }  // the duplicate this object owns

  // Largest element count one MPI call gets (MPI counts are int); bigger tensors go in
  // pieces. Settable so tests can cross the piece boundary with small tensors.
  static void set_max_count_for_testing(int64_t count);

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace s2s
