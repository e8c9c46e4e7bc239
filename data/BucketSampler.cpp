#include "data/BucketSampler.h"

#include <algorithm>
#include <queue>
#include <tuple>

#include "core/Check.h"
#include "data/Rng.h"

namespace s2s {
namespace {
constexpr uint64_t kEpochShuffle = 0xe90c5ULL;
}

BucketSampler::BucketSampler(std::vector<int32_t> src_lengths, std::vector<int32_t> tgt_lengths,
                             const DataOptions& options, int groups, uint64_t seed, bool keep_all)
    : src_lengths_(std::move(src_lengths)),
      tgt_lengths_(std::move(tgt_lengths)),
      options_(options),
      groups_(groups),
      seed_(seed) {
  S2S_ASSERT(src_lengths_.size() == tgt_lengths_.size());
  S2S_CHECK(groups >= 1, "world size must be at least 1 (got {})", groups);
  S2S_CHECK(options.max_tokens >= 1 && options.bucket_width >= 1 && options.max_sentences >= 0,
            "data.max_tokens and data.bucket_width must be at least 1");
  const int64_t n = num_examples();
  S2S_CHECK(n >= groups,
            "the split has {} pairs but there are {} batch groups (data.groups): every group needs at least one pair; "
            "use fewer groups or "
            "a larger corpus",
            n, groups);
  kept_.resize(static_cast<size_t>(groups));
  for (int r = 0; r < groups; ++r) {
    const auto [begin, end] = group_range(n, r, groups);
    auto& kept = kept_[static_cast<size_t>(r)];
    kept.reserve(static_cast<size_t>(end - begin));
    for (int64_t i = begin; i < end; ++i) {
      const int32_t s = src_lengths_[static_cast<size_t>(i)];
      const int32_t t = tgt_lengths_[static_cast<size_t>(i)];
      if (keep_all) {
        kept.push_back(i);
      } else if (s > options.max_source_length || t > options.max_target_length) {
        ++dropped_too_long_;
      } else if (std::max(s, t) + 1 > options.max_tokens) {
        ++dropped_over_budget_;
      } else {
        kept.push_back(i);
      }
    }
  }
  int64_t total_kept = 0;
  for (const auto& k : kept_) total_kept += static_cast<int64_t>(k.size());
  S2S_CHECK(total_kept > 0,
            "no pair is left after filtering ({} longer than max_source_length={}/max_target_length={}, {} longer "
            "than max_tokens={} alone): raise those limits",
            dropped_too_long_, options.max_source_length, options.max_target_length, dropped_over_budget_,
            options.max_tokens);
  for (int r = 0; r < groups; ++r)
    S2S_CHECK(!kept_[static_cast<size_t>(r)].empty(),
              "batch group {} has no pair left after length filtering (it owns pairs {}..{}): raise "
              "data.max_source_length/max_target_length or use fewer groups (data.groups)",
              r, group_range(n, r, groups).first, group_range(n, r, groups).second - 1);
}

std::pair<int64_t, int64_t> BucketSampler::group_range(int64_t num_examples, int group, int groups) {
  const auto at = [&](int64_t r) {
    return static_cast<int64_t>(static_cast<__int128>(num_examples) * r / groups);
  };
  return {at(group), at(group + 1)};
}

bool BucketSampler::fits(int64_t size, int64_t longest) const {
  return size * longest <= options_.max_tokens && (options_.max_sentences == 0 || size <= options_.max_sentences);
}

void BucketSampler::sort_rows(PlannedBatch& batch) const {
  std::sort(batch.ids.begin(), batch.ids.end(), [&](int64_t a, int64_t b) {
    const int32_t la = src_lengths_[static_cast<size_t>(a)];
    const int32_t lb = src_lengths_[static_cast<size_t>(b)];
    return la != lb ? la > lb : a < b;
  });
}

std::vector<PlannedBatch> BucketSampler::pack(int64_t epoch, int group) const {
  std::vector<int64_t> ids = kept_[static_cast<size_t>(group)];
  Rng rng = Rng::derive(seed_, kEpochShuffle, static_cast<uint64_t>(epoch), static_cast<uint64_t>(group));
  if (options_.shuffle) rng.shuffle(ids);
  // Stable sort by (source bucket, target bucket): a counting sort, O(n), when the buckets
  // are few (the usual case: lengths are capped by max_*_length), else std::stable_sort.
  const auto w = static_cast<int64_t>(options_.bucket_width);
  int64_t src_buckets = 0;
  int64_t tgt_buckets = 0;
  for (int64_t id : ids) {
    src_buckets = std::max<int64_t>(src_buckets, src_lengths_[static_cast<size_t>(id)] / w + 1);
    tgt_buckets = std::max<int64_t>(tgt_buckets, tgt_lengths_[static_cast<size_t>(id)] / w + 1);
  }
  const auto key = [&](int64_t id) {
    return (src_lengths_[static_cast<size_t>(id)] / w) * tgt_buckets + tgt_lengths_[static_cast<size_t>(id)] / w;
  };
  std::vector<int64_t> keyed(ids.size());
  const int64_t buckets = src_buckets * tgt_buckets;
  if (buckets <= std::max<int64_t>(1 << 16, static_cast<int64_t>(ids.size()))) {
    std::vector<int64_t> start(static_cast<size_t>(buckets) + 1, 0);
    for (int64_t id : ids) ++start[static_cast<size_t>(key(id)) + 1];
    for (size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
    for (int64_t id : ids) keyed[static_cast<size_t>(start[static_cast<size_t>(key(id))]++)] = id;
  } else {
    keyed = ids;
    std::stable_sort(keyed.begin(), keyed.end(), [&](int64_t a, int64_t b) { return key(a) < key(b); });
  }

  std::vector<PlannedBatch> batches;
  PlannedBatch current;
  int64_t longest = 0;  // max(src + 1, tgt + 1) over the current batch
  for (const int64_t id : keyed) {
    const int64_t need = std::max(src_lengths_[static_cast<size_t>(id)], tgt_lengths_[static_cast<size_t>(id)]) + 1;
    const int64_t next_longest = std::max(longest, need);
    const auto next_size = static_cast<int64_t>(current.ids.size()) + 1;
    if (!fits(next_size, next_longest) && !current.ids.empty()) {
      batches.push_back(std::move(current));
      current = PlannedBatch();
      longest = 0;
    }
    current.ids.push_back(id);
    longest = std::max(longest, need);
  }
  if (!current.ids.empty()) batches.push_back(std::move(current));
  return batches;
}

int64_t BucketSampler::batches_in_epoch(int64_t epoch) const {
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cached_epoch_ == epoch) return cached_count_;
  }
  int64_t most = 0;
  for (int r = 0; r < groups_; ++r) most = std::max(most, static_cast<int64_t>(pack(epoch, r).size()));
  remember_count(epoch, most);
  return most;
}

void BucketSampler::remember_count(int64_t epoch, int64_t count) const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  cached_epoch_ = epoch;
  cached_count_ = count;
}

std::vector<PlannedBatch> BucketSampler::plan(int64_t epoch, int group) const {
  S2S_ASSERT(group >= 0 && group < groups_ && epoch >= 1);
  // One pass over all groups: their batch counts give the target, this group's batches are kept.
  std::vector<PlannedBatch> batches;
  size_t target = 0;
  for (int r = 0; r < groups_; ++r) {
    std::vector<PlannedBatch> packed = pack(epoch, r);
    target = std::max(target, packed.size());
    if (r == group) batches = std::move(packed);
  }
  remember_count(epoch, static_cast<int64_t>(target));
  return equalise(std::move(batches), target, epoch, group);
}

std::vector<std::vector<PlannedBatch>> BucketSampler::plan_all(int64_t epoch) const {
  S2S_ASSERT(epoch >= 1);
  std::vector<std::vector<PlannedBatch>> all;
  all.reserve(static_cast<size_t>(groups_));
  size_t target = 0;
  for (int r = 0; r < groups_; ++r) {
    all.push_back(pack(epoch, r));
    target = std::max(target, all.back().size());
  }
  remember_count(epoch, static_cast<int64_t>(target));
  for (int r = 0; r < groups_; ++r)
    all[static_cast<size_t>(r)] = equalise(std::move(all[static_cast<size_t>(r)]), target, epoch, r);
  return all;
}

std::vector<PlannedBatch> BucketSampler::equalise(std::vector<PlannedBatch> batches, size_t target, int64_t epoch,
                                                  int group) const {
  // Split the largest batches (ties: the earliest) until this group has `target` batches.
  using Entry = std::pair<size_t, int64_t>;  // (size, -index): largest first, then earliest
  std::priority_queue<Entry> heap;
  for (size_t i = 0; i < batches.size(); ++i) heap.emplace(batches[i].ids.size(), -static_cast<int64_t>(i));
  while (batches.size() < target && !heap.empty() && heap.top().first >= 2) {
    const auto index = static_cast<size_t>(-heap.top().second);
    heap.pop();
    sort_rows(batches[index]);  // halves of similar lengths
    PlannedBatch second;
    auto& ids = batches[index].ids;
    const auto half = static_cast<std::ptrdiff_t>((ids.size() + 1) / 2);
    second.ids.assign(ids.begin() + half, ids.end());
    ids.resize(static_cast<size_t>(half));
    batches.push_back(std::move(second));
    heap.emplace(batches[index].ids.size(), -static_cast<int64_t>(index));
    heap.emplace(batches.back().ids.size(), -static_cast<int64_t>(batches.size() - 1));
  }
  for (size_t i = 0; batches.size() < target; ++i) {
    PlannedBatch copy = batches[i];
    copy.filler = true;
    batches.push_back(std::move(copy));
  }
  for (auto& b : batches) sort_rows(b);
  if (!options_.shuffle) return batches;
  if (!options_.align_ranks) {
    Rng order = Rng::derive(seed_, kEpochShuffle + 1, static_cast<uint64_t>(epoch), static_cast<uint64_t>(group));
    order.shuffle(batches);
    return batches;
  }
  // Synchronous data parallelism waits for the slowest rank at every step. Every group has
  // the same number of batches with about the same length distribution, so ranking each
  // group's batches by cost and applying ONE permutation shared by all groups puts batches of
  // the same cost rank (similar lengths) in the same step, as fairseq's global batching does,
  // and the ranks that compute the groups' batches of one step finish at about the same time.
  // An RNN's time is mostly its sequential steps, so the longest sides come first in the key.
  const auto cost = [&](const PlannedBatch& b) {
    int64_t src = 0;
    int64_t tgt = 0;
    for (const int64_t id : b.ids) {
      src = std::max<int64_t>(src, src_lengths_[static_cast<size_t>(id)]);
      tgt = std::max<int64_t>(tgt, tgt_lengths_[static_cast<size_t>(id)]);
    }
    return std::make_tuple(src + tgt, static_cast<int64_t>(b.ids.size()), b.ids.front());
  };
  std::vector<std::pair<std::tuple<int64_t, int64_t, int64_t>, size_t>> ranked;
  ranked.reserve(batches.size());
  for (size_t i = 0; i < batches.size(); ++i) ranked.emplace_back(cost(batches[i]), i);
  std::sort(ranked.begin(), ranked.end());
  std::vector<size_t> order(batches.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = ranked[i].second;
  Rng shared = Rng::derive(seed_, kEpochShuffle + 1, static_cast<uint64_t>(epoch), uint64_t{0xa11});
  shared.shuffle(order);
  std::vector<PlannedBatch> aligned;
  aligned.reserve(batches.size());
  for (const size_t i : order) aligned.push_back(std::move(batches[i]));
  return aligned;
}

}  // namespace s2s
