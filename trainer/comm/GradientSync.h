#pragma once
// Sums parameter gradients across ranks during backward, bucket by bucket, as PyTorch's
// DistributedDataParallel does:
//
//   GradientSync sync(parameters, comm);   // after model.to(device); comm: the trainer's
//   for (int micro = 0; micro < accumulate; ++micro) {
//     sync.set_sync_enabled(micro == accumulate - 1);  // accumulate locally until the last
//     loss(micro).backward();
//   }
//   GradientSyncStats stats = sync.finish();   // every param.grad() now holds the SUM
//   // the trainer divides by the global token count, clips, steps
//
// How it overlaps: a hook on each parameter's gradient accumulator (the autograd node that
// writes param.grad()) fires as soon as that gradient is final for this backward. Each
// param.grad() is a view of its place in its bucket's flat buffer (set by the hook the first
// time, and again whenever something replaced the gradient), so backward accumulates straight
// into the bucket and the hook only marks it ready; when a bucket is full, a background
// thread all-reduces it in place while backward goes on computing earlier layers' gradients.
// Nothing is copied back: after finish() param.grad() is the bucket's sum. Zero the
// gradients with zero_grads() (in place), not the optimiser's zero_grad(), whose default
// (set_to_none) would make the next backward allocate new gradients and the hook copy them
// in. Buckets are all-reduced strictly in bucket order on every rank (collectives match by
// order), so a bucket that is complete early still waits for the ones before it.
//
// Parameters that the last backward did not reach (unused in this step; or used only in
// earlier micro-batches) are packed by finish(): their current gradient, or zeros when they
// have none, so every rank sends the same buckets. After finish() every parameter has a
// gradient, on every rank.
//
// It all-reduces over a duplicate of the communicator it is given (comm.duplicate()), used
// from its own thread only, so its collectives never interleave with the caller's. Overlap
// needs a thread-safe one (MPI_THREAD_MULTIPLE); otherwise all buckets are all-reduced inside
// finish().
// On CUDA: backward on one stream per device (the default); the thread on a stream of its own.
#include <c10/core/Event.h>
#include <torch/csrc/autograd/function.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "trainer/comm/Communicator.h"
#include "trainer/comm/GradientBucket.h"

namespace s2s {

struct GradientSyncOptions {
  double bucket_mb = 25;  // bucket cap in MiB (PyTorch DDP's default)
  bool overlap = true;    // all-reduce during backward on a thread (if the communicator allows)
};

// What one finish() did; times in seconds, from this rank's clock.
struct GradientSyncStats {
  int64_t buckets = 0;        // buckets all-reduced
  int64_t bytes = 0;          // bytes all-reduced (this rank's share of the traffic)
  int64_t unused_params = 0;  // parameters the last backward did not reach (packed by finish)
  double allreduce_s = 0;     // time inside all_reduce_sum, all buckets together
  double overlapped_s = 0;    // the part of allreduce_s before finish() was called (during backward)
  double wait_s = 0;          // time finish() spent waiting for all-reduces (exposed communication)
  double finish_s = 0;        // the whole of finish(): packing leftovers, waiting
};

class GradientSync {
 public:
  // Hooks every parameter that requires a gradient (the others are ignored). Collective:
  // duplicates `comm` (which need not outlive this object) and checks that every rank has
  // the same parameters (shapes and dtypes). Parameters must already be on comm's device;
  // create it after model.to().
  GradientSync(std::vector<torch::Tensor> params, Communicator& comm, GradientSyncOptions options = {});
  ~GradientSync();  // removes the hooks, stops the thread
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  // false: backward only accumulates param.grad() locally (micro-batches before the last
  // one of an update). Must not change between a synchronised backward and its finish().
  void set_sync_enabled(bool enabled);
  bool sync_enabled() const { return enabled_; }

  // Collective, after the backward of the last micro-batch: packs what the hooks did not,
  // waits for every bucket; param.grad() then holds the sum (a view of its bucket).
  // Rethrows the communication thread's error, if any (the object is unusable after that).
  GradientSyncStats finish();

  // Sets every synchronised gradient to zero in place, in its bucket (one fill per bucket).
  // Between updates: not between a synchronised backward and its finish().
  void zero_grads();

  const std::vector<GradientBucket>& buckets() const { return buckets_; }
  const std::vector<torch::Tensor>& parameters() const { return params_; }  // those synchronised
  bool overlaps() const { return thread_.joinable(); }  // all-reduce runs during backward
  Communicator& communicator() { return *comm_; }  // its own duplicate
  const Communicator& communicator() const { return *comm_; }

 private:
  class Hook;
  using Clock = std::chrono::steady_clock;

  void check_same_parameters_on_all_ranks();
  void on_gradient_ready(size_t param);     // the hook: runs on autograd's thread
  void mark_packed(size_t param);           // bucket bookkeeping; caller holds mutex_
  void communication_loop();                // the background thread
  void reduce(size_t bucket);               // all-reduce one bucket and time it
  void reset_step();                        // caller holds mutex_

  std::vector<torch::Tensor> params_;  // those that require grad, in model order
  std::vector<GradientBucket> buckets_;
  std::vector<size_t> bucket_of_;  // [params] which bucket holds the parameter
  std::vector<size_t> slot_of_;    // [params] its place among the bucket's members
  std::unique_ptr<Communicator> comm_;  // the duplicate, used by the thread (or finish())
  // The gradient accumulators carry the hooks; autograd keeps only weak references to them
  // between backwards, so they are held here or the hooks would vanish with them.
  std::vector<c10::intrusive_ptr<torch::autograd::Node>> accumulators_;  // [params]
  std::vector<uintptr_t> hook_keys_;                 // [params] to remove the hooks again

  std::atomic<bool> enabled_{true};
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<char> packed_;        // [params] gradient is in its bucket this step
  std::vector<int64_t> missing_;    // [buckets] members not yet packed this step
  size_t next_bucket_ = 0;          // the next bucket to all-reduce (in order)
  size_t reduced_ = 0;              // buckets all-reduced this step
  std::vector<Clock::time_point> started_;   // [buckets] all-reduce start, this step
  std::vector<Clock::time_point> finished_;  // [buckets] all-reduce end, this step
  std::vector<std::optional<c10::Event>> ready_;  // [buckets] CUDA only: packing done
  std::string hook_error_;          // first misuse seen by a hook, raised by finish()
  std::exception_ptr comm_error_;   // the thread's failure, rethrown by finish()
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace s2s
