#include "data/GlobalBatchPlan.h"

#include <algorithm>
#include <limits>

#include "core/Check.h"

namespace s2s {

GlobalBatchPlan::GlobalBatchPlan(const BucketSampler& sampler, int64_t epoch)
    : sampler_(sampler), plans_(sampler.plan_all(epoch)) {
  batches_ = static_cast<int64_t>(plans_.front().size());
}

std::vector<GlobalBatchPlan::Row> GlobalBatchPlan::rows_of(int64_t index) const {
  std::vector<Row> rows;
  for (const auto& plan : plans_) {
    const PlannedBatch& b = plan[static_cast<size_t>(index)];
    for (const int64_t id : b.ids) rows.push_back({id, b.filler});
  }
  return rows;
}

std::vector<PlannedBatch> GlobalBatchPlan::pack(const std::vector<Row>& rows) const {
  // Greedy, in order, within the groups' own budget; a filler row never shares a
  // micro-batch with real ones (the whole micro-batch is weighted zero).
  std::vector<PlannedBatch> out;
  int64_t longest = 0;
  for (const Row& row : rows) {
    const int64_t need = std::max(sampler_.source_length(row.id), sampler_.target_length(row.id)) + 1;
    const bool joins = !out.empty() && out.back().filler == row.filler &&
                       sampler_.fits(static_cast<int64_t>(out.back().ids.size()) + 1, std::max(longest, need));
    if (!joins) {
      out.emplace_back();
      out.back().filler = row.filler;
      longest = 0;
    }
    out.back().ids.push_back(row.id);
    longest = std::max(longest, need);
  }
  for (auto& b : out) sampler_.sort_rows(b);
  return out;
}

std::vector<PlannedBatch> GlobalBatchPlan::share(int64_t index, int rank, int world_size) const {
  S2S_ASSERT(index >= 0 && index < batches_ && rank >= 0 && rank < world_size);
  const int g = groups();
  if (g % world_size == 0) {
    const int per_rank = g / world_size;
    std::vector<PlannedBatch> out;
    for (int k = rank * per_rank; k < (rank + 1) * per_rank; ++k)
      out.push_back(plans_[static_cast<size_t>(k)][static_cast<size_t>(index)]);
    return out;
  }
  const std::vector<Row> rows = rows_of(index);
  const auto cost = [&](const Row& row) {
    return int64_t{std::max(sampler_.source_length(row.id), sampler_.target_length(row.id))} + 1;
  };
  int64_t total = 0;
  for (const Row& row : rows) total += cost(row);
  // A row belongs to the rank whose cost interval holds the row's midpoint: pieces are
  // contiguous, and each holds about total / world_size.
  std::vector<Row> mine;
  int64_t before = 0;
  for (const Row& row : rows) {
    const int64_t c = cost(row);
    const auto owner = static_cast<int>(static_cast<__int128>(2 * before + c) * world_size / (2 * total));
    if (owner == rank) mine.push_back(row);
    before += c;
  }
  if (mine.empty()) mine.push_back({rows.front().id, true});
  return pack(mine);
}

std::pair<int64_t, int64_t> GlobalBatchPlan::span(int rank, int world_size) const {
  int64_t lo = std::numeric_limits<int64_t>::max();
  int64_t hi = std::numeric_limits<int64_t>::min();
  for (int64_t k = 0; k < batches_; ++k)
    for (const PlannedBatch& b : share(k, rank, world_size))
      for (const int64_t id : b.ids) {
        lo = std::min(lo, id);
        hi = std::max(hi, id);
      }
  return {lo, hi};
}

}  // namespace s2s
