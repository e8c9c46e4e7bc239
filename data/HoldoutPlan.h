#pragma once
// Which pairs of a corpus are held out for validation and test: a uniform random choice of
// exactly `valid` + `test` distinct pairs, a pure function of (number of pairs, counts,
// seed). Memory is proportional to the held-out counts, not to the corpus.
#include <cstdint>
#include <utility>
#include <vector>

namespace s2s {

enum class PairRole : uint8_t { kTrain, kValid, kTest };

class HoldoutPlan {
 public:
  HoldoutPlan() = default;  // nothing held out
  // Throws s2s::Error when valid + test > total.
  HoldoutPlan(int64_t total, int64_t valid, int64_t test, uint64_t seed);

  PairRole role(int64_t index) const;  // index among the pairs prep keeps, 0-based
  int64_t train_count() const { return total_ - valid_ - test_; }
  int64_t valid_count() const { return valid_; }
  int64_t test_count() const { return test_; }

 private:
  int64_t total_ = 0;
  int64_t valid_ = 0;
  int64_t test_ = 0;
  std::vector<std::pair<int64_t, PairRole>> held_out_;  // sorted by index
};

}  // namespace s2s
