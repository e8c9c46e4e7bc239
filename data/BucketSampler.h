#pragma once
// Plans the batches of an epoch: which pairs go together, in which order, on which rank.
//
// Ownership: rank r owns the contiguous range [r*N/n, (r+1)*N/n) of the split's N pairs
// (global ids in shard order), so it reads only the shards overlapping that range, and
// ranks differ by at most one pair whatever the number of shards.
//
// Batches of one rank and epoch: drop pairs over the length limits; shuffle the rest with
// an Rng derived from (seed, epoch, rank); stable-sort by (source length / bucket_width,
// target length / bucket_width), so equal-bucket pairs stay in random order; pack greedily
// while size x max(longest source + 1, longest target + 1) <= max_tokens; shuffle the
// batch order: with data.align_ranks (the default) one permutation shared by all ranks over
// each rank's batches ranked by cost, so that the batches of one step have similar lengths.
//
// Same step count on every rank, without communication: every rank plans every rank's
// batches (from the lengths alone, which is cheap), takes the largest count T, and a rank
// with fewer batches splits its largest batches in two until it has T. Every pair is
// still seen exactly once per epoch and no batch needs a weight. Only when a rank has
// fewer pairs than T (tiny corpora, tiny budgets) does it repeat a batch, flagged as filler.
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "data/DataOptions.h"

namespace s2s {

struct PlannedBatch {
  std::vector<int64_t> ids;  // global example ids, longest source first
  bool filler = false;       // a repeat that only keeps the rank in step (weight it zero)
};

class BucketSampler {
 public:
  // `src_lengths[i]`, `tgt_lengths[i]`: tokens of example i of the split, without </s>.
  // `keep_all` (scoring a split): no pair is dropped for its length; one longer than
  // max_tokens on its own is a batch of its own.
  BucketSampler(std::vector<int32_t> src_lengths, std::vector<int32_t> tgt_lengths, const DataOptions& options,
                int world_size, uint64_t seed, bool keep_all = false);

  // The pairs rank `rank` of `world_size` owns: global ids [first, second).
  static std::pair<int64_t, int64_t> rank_range(int64_t num_examples, int rank, int world_size);

  int64_t num_examples() const { return static_cast<int64_t>(src_lengths_.size()); }
  int world_size() const { return world_size_; }
  // Pairs dropped (on all ranks) for exceeding max_source_length / max_target_length.
  int64_t dropped_too_long() const { return dropped_too_long_; }
  // Pairs dropped because even alone they exceed max_tokens.
  int64_t dropped_over_budget() const { return dropped_over_budget_; }
  int64_t kept(int rank) const { return static_cast<int64_t>(kept_[static_cast<size_t>(rank)].size()); }

  // The batches of `rank` in `epoch` (1-based); their number is the same for every rank.
  std::vector<PlannedBatch> plan(int64_t epoch, int rank) const;
  // That common number of batches.
  int64_t batches_in_epoch(int64_t epoch) const;

 private:
  std::vector<PlannedBatch> pack(int64_t epoch, int rank) const;  // before equalising
  void sort_rows(PlannedBatch& batch) const;

  std::vector<int32_t> src_lengths_;
  std::vector<int32_t> tgt_lengths_;
  DataOptions options_;
  int world_size_;
  uint64_t seed_;
  std::vector<std::vector<int64_t>> kept_;  // per rank: ids that pass the filters
  int64_t dropped_too_long_ = 0;
  int64_t dropped_over_budget_ = 0;
  // batches_in_epoch() of the last epoch asked, to avoid planning it twice.
  mutable std::mutex cache_mutex_;
  mutable int64_t cached_epoch_ = 0;
  mutable int64_t cached_count_ = 0;
};

}  // namespace s2s
