#pragma once
// Sums what happened since the last progress line (updates, tokens, loss, where the time
// went) and turns it into rank 0's progress line and a metrics record:
//
//   [train] step 1200 | epoch 2 | loss 1.234 | ppl 3.43 | lr 8.2e-04 | gnorm 1.12 |
//           12.3k tok/s (6.1k/rank) | compute 82% comm 12% data 1% | rank wait 9% | ETA 4m12s
//
// "rank wait" (several ranks only): the mean over ranks of the time spent waiting for the
// slowest rank at the all-reduce (StragglerMeter). Part of it is hidden in "compute" when the
// all-reduce overlaps backward; "comm" is rank 0's own wait after backward.
//
// Loss and perplexity are per target token over the interval, from sums reduced across
// ranks, so they describe the global batch, not rank 0's share.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace s2s {

struct UpdateStats {
  int64_t tokens = 0;       // target tokens of this update, all ranks
  double loss_sum = 0;      // label-smoothed loss summed over those tokens, all ranks
  double nll_sum = 0;       // negative log-likelihood summed likewise
  double grad_norm = 0;     // global gradient norm before clipping
  double lr = 0;            // learning rate applied
  bool skipped = false;     // non-finite gradient: no update was applied
  double data_seconds = 0;     // this rank waiting for batches
  double compute_seconds = 0;  // forward and backward, communication hidden in it included
  double comm_seconds = 0;     // waiting for all-reduces after backward
  double total_seconds = 0;    // wall time of the whole update
  // Parts of compute_seconds, for `s2s bench` (host-side times; on CUDA the kernels run
  // asynchronously): forward with the loss, backward, and scaling + clipping + optimiser.
  double forward_seconds = 0;
  double backward_seconds = 0;
  double optimizer_seconds = 0;
};

class TrainingProgress {
 public:
  explicit TrainingProgress(int world_size) : world_size_(world_size) {}

  void add(const UpdateStats& u);
  // Seconds this interval's updates spent waiting for the slowest rank (mean over ranks,
  // from StragglerMeter). Shown with several ranks.
  void add_rank_wait(double seconds) { rank_wait_ += seconds; }
  // The progress line for update `step` of `epoch`; `eta_seconds` < 0 prints no ETA.
  std::string line(int64_t step, int64_t epoch, double eta_seconds) const;
  // The same numbers for metrics.jsonl.
  nlohmann::json record(int64_t step, int64_t epoch) const;
  // Starts a new interval.
  void reset() { *this = TrainingProgress(world_size_); }

  int64_t updates() const { return updates_; }
  double seconds() const { return total_; }

 private:
  int world_size_;
  int64_t updates_ = 0, skipped_ = 0, tokens_ = 0;
  double loss_ = 0, nll_ = 0, data_ = 0, compute_ = 0, comm_ = 0, total_ = 0, rank_wait_ = 0;
  double last_grad_norm_ = 0, last_lr_ = 0;
};

}  // namespace s2s
