#pragma once
// Plans the batches of an epoch in `groups` groups: which pairs go together, in which order.
// Global batch k of an epoch is the union of every group's k-th batch; data/GlobalBatchPlan
// splits it across the ranks that run it. The number of groups is fixed for a run
// (data.groups, by default the world size of its first start), so the sequence of global
// batches never depends on how many ranks compute it.
//
// Ownership: group g owns the contiguous range [g*N/G, (g+1)*N/G) of the split's N pairs
// (global ids in shard order), so a rank computing a few neighbouring groups reads only the
// shards overlapping them, and groups differ by at most one pair whatever the shards.
//
// Batches of one group and epoch: drop pairs over the length limits; shuffle the rest with
// an Rng derived from (seed, epoch, group); stable-sort by (source length / bucket_width,
// target length / bucket_width), so equal-bucket pairs stay in random order; pack greedily
// while size x max(longest source + 1, longest target + 1) <= max_tokens; shuffle the
// batch order: with data.align_ranks (the default) one permutation shared by all groups over
// each group's batches ranked by cost, so that the batches of one step have similar lengths.
//
// Same step count in every group: every rank plans every group's batches (from the lengths
// alone, which is cheap), takes the largest count T, and a group with fewer batches splits
// its largest batches in two until it has T. Every pair is still seen exactly once per
// epoch and no batch needs a weight. Only when a group has fewer pairs than T (tiny
// corpora, tiny budgets) does it repeat a batch, flagged as filler.
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "data/DataOptions.h"

namespace s2s {

struct PlannedBatch {
  std::vector<int64_t> ids;  // global example ids, longest source first
  bool filler = false;       // a repeat that only keeps the group in step (weight it zero)
};

class BucketSampler {
 public:
  // `src_lengths[i]`, `tgt_lengths[i]`: tokens of example i of the split, without </s>.
  // `keep_all` (scoring a split): no pair is dropped for its length; one longer than
  // max_tokens on its own is a batch of its own.
  BucketSampler(std::vector<int32_t> src_lengths, std::vector<int32_t> tgt_lengths, const DataOptions& options,
                int groups, uint64_t seed, bool keep_all = false);

  // The pairs group `group` of `groups` owns: global ids [first, second).
  static std::pair<int64_t, int64_t> group_range(int64_t num_examples, int group, int groups);

  int64_t num_examples() const { return static_cast<int64_t>(src_lengths_.size()); }
  int groups() const { return groups_; }
  // Pairs dropped (in all groups) for exceeding max_source_length / max_target_length.
  int64_t dropped_too_long() const { return dropped_too_long_; }
  // Pairs dropped because even alone they exceed max_tokens.
  int64_t dropped_over_budget() const { return dropped_over_budget_; }
  int64_t kept(int group) const { return static_cast<int64_t>(kept_[static_cast<size_t>(group)].size()); }
  // Tokens of example `id` without </s>.
  int32_t source_length(int64_t id) const { return src_lengths_[static_cast<size_t>(id)]; }
  int32_t target_length(int64_t id) const { return tgt_lengths_[static_cast<size_t>(id)]; }
  // Whether `size` pairs whose longest side has `longest` tokens (with </s>) fit one batch.
  bool fits(int64_t size, int64_t longest) const;
  // Longest source first, ties by id: what packed RNN sequences want, and a stable order.
  void sort_rows(PlannedBatch& batch) const;

  // The batches of `group` in `epoch` (1-based); their number is the same for every group.
  std::vector<PlannedBatch> plan(int64_t epoch, int group) const;
  // plan(epoch, g) of every group g, in one pass (each group packed once).
  std::vector<std::vector<PlannedBatch>> plan_all(int64_t epoch) const;
  // That common number of batches.
  int64_t batches_in_epoch(int64_t epoch) const;

 private:
  std::vector<PlannedBatch> pack(int64_t epoch, int group) const;  // before equalising
  // pack()'s batches split (and if need be repeated) to `target`, rows sorted, order shuffled.
  std::vector<PlannedBatch> equalise(std::vector<PlannedBatch> batches, size_t target, int64_t epoch,
                                     int group) const;
  void remember_count(int64_t epoch, int64_t count) const;

  std::vector<int32_t> src_lengths_;
  std::vector<int32_t> tgt_lengths_;
  DataOptions options_;
  int groups_;
  uint64_t seed_;
  std::vector<std::vector<int64_t>> kept_;  // per group: ids that pass the filters
  int64_t dropped_too_long_ = 0;
  int64_t dropped_over_budget_ = 0;
  // batches_in_epoch() of the last epoch asked, to avoid planning it twice.
  mutable std::mutex cache_mutex_;
  mutable int64_t cached_epoch_ = 0;
  mutable int64_t cached_count_ = 0;
};

}  // namespace s2s
