#include "data/HoldoutPlan.h"

#include <algorithm>
#include <unordered_set>

#include "core/Check.h"
#include "data/Rng.h"

namespace s2s {

HoldoutPlan::HoldoutPlan(int64_t total, int64_t valid, int64_t test, uint64_t seed)
    : total_(total), valid_(valid), test_(test) {
  S2S_CHECK(valid >= 0 && test >= 0, "held-out counts must not be negative");
  S2S_CHECK(valid + test < total,
            "cannot hold out {} validation and {} test pairs from a corpus of {} pairs: nothing would be "
            "left to train on; lower --valid-count/--test-count (or the fractions)",
            valid, test, total);
  const int64_t k = valid + test;
  // Floyd's algorithm: k distinct values of [0, total) with O(k) memory.
  Rng rng = Rng::derive(seed, 0x401d0a7ULL);
  std::unordered_set<int64_t> chosen;
  chosen.reserve(static_cast<size_t>(k) * 2);
  std::vector<int64_t> order;  // in the order chosen, which is random
  order.reserve(static_cast<size_t>(k));
  for (int64_t j = total - k; j < total; ++j) {
    const auto t = static_cast<int64_t>(rng.below(static_cast<uint64_t>(j + 1)));
    const int64_t pick = chosen.count(t) ? j : t;
    chosen.insert(pick);
    order.push_back(pick);
  }
  rng.shuffle(order);  // Floyd's order is not uniform over positions; a shuffle makes the split so
  held_out_.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i)
    held_out_.emplace_back(order[i], static_cast<int64_t>(i) < valid ? PairRole::kValid : PairRole::kTest);
  std::sort(held_out_.begin(), held_out_.end());
}

PairRole HoldoutPlan::role(int64_t index) const {
  const auto it = std::lower_bound(held_out_.begin(), held_out_.end(), std::make_pair(index, PairRole::kTrain));
  if (it != held_out_.end() && it->first == index) return it->second;
  return PairRole::kTrain;
}

}  // namespace s2s
