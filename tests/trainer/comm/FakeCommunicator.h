#pragma once
// A Communicator that stands for `ranks` identical ranks inside one process, for testing
// what sits on top of the interface without MPI: all_reduce_sum multiplies by the number of
// ranks (the sum of that many equal tensors) and records every call. The record is shared,
// so a test can read it after handing the communicator to GradientSync.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/Check.h"
#include "trainer/comm/Communicator.h"

namespace s2s::test {

struct FakeRecord {
  std::mutex mutex;
  std::vector<int64_t> numels;              // numel of each all_reduce_sum, in call order
  std::vector<std::thread::id> threads;     // the thread that made each call
  std::atomic<int> calls{0};                // all_reduce_sum calls started
  std::chrono::milliseconds delay{0};       // each tensor all-reduce takes this long
  int fail_at_call = -1;                    // this call (0-based) throws an s2s::Error
};

class FakeCommunicator : public Communicator {
 public:
  explicit FakeCommunicator(int ranks = 1, bool thread_safe = true,
                            std::shared_ptr<FakeRecord> record = std::make_shared<FakeRecord>())
      : ranks_(ranks), thread_safe_(thread_safe), record_(std::move(record)) {}

  const std::shared_ptr<FakeRecord>& record() const { return record_; }

  int rank() const override { return 0; }
  int size() const override { return ranks_; }
  Backend backend() const override { return Backend::mpi; }  // stands in for a CPU communicator
  torch::Device device() const override { return torch::kCPU; }

  void all_reduce_sum(const torch::Tensor& tensor) override {
    const int call = record_->calls++;
    {
      std::lock_guard<std::mutex> lock(record_->mutex);
      record_->numels.push_back(tensor.numel());
      record_->threads.push_back(std::this_thread::get_id());
    }
    S2S_CHECK(call != record_->fail_at_call, "fake all-reduce {} fails on purpose", call);
    if (record_->delay.count() > 0) std::this_thread::sleep_for(record_->delay);
    tensor.mul_(ranks_);
  }
  void broadcast(const torch::Tensor&, int) override {}
  double all_reduce_sum(double value) override { return value * ranks_; }
  int64_t all_reduce_sum(int64_t value) override { return value * ranks_; }
  std::vector<int64_t> all_gather(int64_t value) override { return std::vector<int64_t>(ranks_, value); }
  std::vector<std::string> all_gather(const std::string& value) override {
    return std::vector<std::string>(ranks_, value);
  }
  void barrier() override {}
  bool thread_safe() const override { return thread_safe_; }
  std::unique_ptr<Communicator> duplicate() const override {
    return std::make_unique<FakeCommunicator>(ranks_, thread_safe_, record_);
  }
  [[noreturn]] void abort(int code) const override { std::_Exit(code); }

 private:
  int ranks_;
  bool thread_safe_;
  std::shared_ptr<FakeRecord> record_;
};

}  // namespace s2s::test
