#include "trainer/comm/GradientSync.h"

#include <c10/core/impl/VirtualGuardImpl.h>

#include <algorithm>

#include "core/Check.h"
#include "core/Log.h"

namespace s2s {
namespace {

const Log log("comm");

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// "float32[512,256];float32[256];..." in model order: what every rank must agree on.
std::string signature(const torch::Tensor& p) {
  return fmt::format("{}{}", c10::toString(p.scalar_type()), c10::str(p.sizes()));
}

// The current stream of `device` on the calling thread (device-generic, no CUDA headers).
c10::Stream current_stream(const torch::Device& device) {
  return c10::impl::VirtualGuardImpl(device.type()).getStream(device);
}

}  // namespace

// Runs after a parameter's AccumulateGrad node, i.e. once param.grad() holds this
// backward's full gradient (all uses of the parameter summed, added to any gradient kept
// from earlier micro-batches). A hook registered on the tensor itself (register_hook)
// would instead see each incoming gradient before accumulation.
class GradientSync::Hook : public torch::autograd::FunctionPostHook {
 public:
  Hook(GradientSync* sync, size_t param) : sync_(sync), param_(param) {}

  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list& /*inputs*/) override {
    sync_->on_gradient_ready(param_);
    return outputs;
  }

 private:
  GradientSync* sync_;
  size_t param_;
};

GradientSync::GradientSync(std::vector<torch::Tensor> params, Communicator& comm, GradientSyncOptions options)
    : comm_(comm.duplicate()) {
  S2S_ASSERT(comm_ != nullptr);
  S2S_CHECK(options.bucket_mb > 0, "gradient bucket size must be positive, got {} MB", options.bucket_mb);
  for (torch::Tensor& p : params)
    if (p.defined() && p.requires_grad()) params_.push_back(std::move(p));
  for (size_t i = 0; i < params_.size(); ++i) {
    S2S_CHECK(params_[i].device() == comm_->device(),
              "parameter {} is on {} but the {} communicator works on {}: move the model to the "
              "rank's device before creating GradientSync",
              i, params_[i].device().str(), name_of(comm_->backend()), comm_->device().str());
    S2S_CHECK(params_[i].is_leaf(), "parameter {} is not a leaf tensor, so it has no gradient accumulator", i);
  }
  check_same_parameters_on_all_ranks();

  const auto cap = static_cast<int64_t>(options.bucket_mb * 1024.0 * 1024.0);
  bucket_of_.resize(params_.size());
  slot_of_.resize(params_.size());
  for (std::vector<size_t>& members : GradientBucket::plan(params_, std::max<int64_t>(cap, 1))) {
    for (size_t s = 0; s < members.size(); ++s) {
      bucket_of_[members[s]] = buckets_.size();
      slot_of_[members[s]] = s;
    }
    buckets_.emplace_back(params_, std::move(members));
  }
  packed_.assign(params_.size(), 0);
  missing_.resize(buckets_.size());
  started_.resize(buckets_.size());
  finished_.resize(buckets_.size());
  ready_.resize(buckets_.size());
  for (size_t b = 0; b < buckets_.size(); ++b)
    if (buckets_[b].device().is_cuda()) ready_[b].emplace(buckets_[b].device().type());
  reset_step();

  for (size_t i = 0; i < params_.size(); ++i) {
    accumulators_.push_back(torch::autograd::impl::grad_accumulator(params_[i]));
    S2S_ASSERT(accumulators_.back());
    hook_keys_.push_back(accumulators_.back()->add_post_hook(std::make_unique<Hook>(this, i)));
  }

  const bool overlap = options.overlap && comm_->thread_safe();
  if (overlap) thread_ = std::thread([this] { communication_loop(); });
  int64_t bytes = 0;
  for (const GradientBucket& b : buckets_) bytes += b.bytes();
  log.debug("{} parameters ({:.1f} MB) in {} bucket(s) of at most {} MB; all-reduce over {} {}",
            params_.size(), bytes / 1e6, buckets_.size(), options.bucket_mb, name_of(comm_->backend()),
            overlap ? "during backward" : "after backward (no overlap)");
}

GradientSync::~GradientSync() {
  for (size_t i = 0; i < accumulators_.size(); ++i) accumulators_[i]->del_post_hook(hook_keys_[i]);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  // Never blocks for long: the thread stops before its next bucket. A bucket it is inside
  // completes once every rank has reached it; a rank that never will (it failed) exits, and
  // mpirun then ends this one (see Runtime).
  if (thread_.joinable()) thread_.join();
}

void GradientSync::check_same_parameters_on_all_ranks() {
  std::string mine = fmt::format("{} parameters:", params_.size());
  for (const torch::Tensor& p : params_) mine += signature(p) + ";";
  const std::vector<std::string> all = comm_->all_gather(mine);
  std::string differ;
  for (size_t r = 1; r < all.size(); ++r)
    if (all[r] != all[0]) differ += fmt::format("{}{}", differ.empty() ? "" : ", ", r);
  S2S_CHECK(differ.empty(),
            "rank(s) {} have different parameters (count, shapes or dtypes) than rank 0, so their "
            "gradients cannot be summed: every rank must build the same model from the same config",
            differ);
}

void GradientSync::set_sync_enabled(bool enabled) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!enabled)
    S2S_CHECK(std::none_of(packed_.begin(), packed_.end(), [](char c) { return c != 0; }),
              "set_sync_enabled(false) after a synchronised backward: call finish() first");
  enabled_ = enabled;
}

void GradientSync::on_gradient_ready(size_t param) {
  if (!enabled_) return;  // accumulating micro-batches: the gradient stays local
  const size_t b = bucket_of_[param];
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (packed_[param]) {
      if (hook_error_.empty())
        hook_error_ = fmt::format(
            "parameter {} got a gradient twice before finish(): disable sync "
            "(set_sync_enabled(false)) for all but the last micro-batch of an update, and call "
            "finish() after each synchronised backward",
            param);
      return;
    }
    packed_[param] = 1;
  }
  // Usually the gradient already is its bucket slot and there is nothing to do; the first
  // step's (or a replaced one) is copied in outside the lock, so that the copy overlaps the
  // thread's all-reduce of an earlier bucket. Errors are kept for finish(): the bucket must
  // still count as packed, or finish() (and the other ranks) would wait for it forever.
  std::string error;
  try {
    buckets_[b].adopt(slot_of_[param], params_[param]);
  } catch (const std::exception& e) {
    error = e.what();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (!error.empty() && hook_error_.empty()) hook_error_ = error;
  if (ready_[b]) ready_[b]->record(current_stream(buckets_[b].device()));
  mark_packed(param);
}

void GradientSync::mark_packed(size_t param) {
  if (--missing_[bucket_of_[param]] == 0) changed_.notify_all();
}

void GradientSync::communication_loop() {
  // On CUDA this thread queues on a stream of its own, not on the compute stream: the
  // communicator orders its all-reduce after the caller's current stream, so from the compute
  // stream bucket b's all-reduce would wait for every backward kernel queued by the time the
  // thread gets to it (the host runs ahead of the GPU); from this stream, which waits only on
  // bucket b's ready event (recorded on the compute stream after its gradients), it waits for
  // those gradients alone. The other direction needs no event: all_reduce_sum returns once
  // the sum is complete, and the optimiser's kernels are queued after finish() has seen that.
  if (!buckets_.empty() && buckets_.front().device().is_cuda()) {
    const torch::Device device = buckets_.front().device();
    const c10::impl::VirtualGuardImpl guard(device.type());
    guard.exchangeStream(guard.getStreamFromGlobalPool(device));
  }
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] {
      return stop_ || (next_bucket_ < buckets_.size() && missing_[next_bucket_] == 0);
    });
    if (stop_) return;
    const size_t b = next_bucket_;
    lock.unlock();
    try {
      reduce(b);
    } catch (...) {
      lock.lock();
      comm_error_ = std::current_exception();
      changed_.notify_all();
      return;  // the job is broken; finish() rethrows
    }
    lock.lock();
    ++next_bucket_;
    ++reduced_;
    changed_.notify_all();
  }
}

void GradientSync::reduce(size_t b) {
  GradientBucket& bucket = buckets_[b];
  // On CUDA: the all-reduce (queued after this thread's current stream) must start after
  // the bucket's gradients were accumulated (and any copy that adopted one), which ran on
  // backward's stream.
  if (ready_[b]) ready_[b]->block(current_stream(bucket.device()));
  started_[b] = Clock::now();
  comm_->all_reduce_sum(bucket.buffer());
  finished_[b] = Clock::now();
}

GradientSyncStats GradientSync::finish() {
  S2S_CHECK(enabled_,
            "GradientSync::finish() with sync disabled: enable it (set_sync_enabled(true)) before "
            "the backward of an update's last micro-batch");
  const Clock::time_point backward_done = Clock::now();
  GradientSyncStats stats;

  // Gradients the last backward did not produce: sent as they are (or as zeros), so every
  // rank all-reduces every bucket.
  std::vector<size_t> leftovers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (comm_error_) std::rethrow_exception(comm_error_);
    for (size_t i = 0; i < params_.size(); ++i)
      if (!packed_[i]) {
        packed_[i] = 1;
        leftovers.push_back(i);
      }
  }
  std::string error;
  for (size_t i : leftovers) {
    try {
      buckets_[bucket_of_[i]].adopt(slot_of_[i], params_[i]);
    } catch (const std::exception& e) {
      if (error.empty()) error = e.what();
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error.empty() && hook_error_.empty()) hook_error_ = error;
    for (size_t i : leftovers) {
      const size_t b = bucket_of_[i];
      if (ready_[b]) ready_[b]->record(current_stream(buckets_[b].device()));
      mark_packed(i);
    }
  }
  stats.unused_params = static_cast<int64_t>(leftovers.size());

  if (!thread_.joinable()) {
    for (size_t b = 0; b < buckets_.size(); ++b) reduce(b);
  } else {
    const Clock::time_point wait_start = Clock::now();
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return reduced_ == buckets_.size() || comm_error_; });
    stats.wait_s = seconds(Clock::now() - wait_start);
    if (comm_error_) std::rethrow_exception(comm_error_);
  }

  for (size_t b = 0; b < buckets_.size(); ++b) {
    stats.allreduce_s += seconds(finished_[b] - started_[b]);
    const Clock::time_point overlap_end = std::min(finished_[b], backward_done);
    if (overlap_end > started_[b]) stats.overlapped_s += seconds(overlap_end - started_[b]);
    stats.bytes += buckets_[b].bytes();
  }
  stats.buckets = static_cast<int64_t>(buckets_.size());

  std::string misuse;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    reset_step();
    misuse.swap(hook_error_);
  }
  // Raised only now, after this rank took part in every all-reduce: the others got their
  // sums and will fail (or go on) on their own, instead of hanging.
  S2S_CHECK(misuse.empty(), "gradient sync: {}", misuse);
  stats.finish_s = seconds(Clock::now() - backward_done);
  return stats;
}

void GradientSync::zero_grads() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    S2S_CHECK(std::none_of(packed_.begin(), packed_.end(), [](char c) { return c != 0; }),
              "zero_grads() after a synchronised backward: call finish() first");
  }
  for (GradientBucket& bucket : buckets_) bucket.zero_grads(params_);
}

void GradientSync::reset_step() {
  std::fill(packed_.begin(), packed_.end(), 0);
  for (size_t b = 0; b < buckets_.size(); ++b)
    missing_[b] = static_cast<int64_t>(buckets_[b].members().size());
  next_bucket_ = 0;
  reduced_ = 0;
}

}  // namespace s2s
