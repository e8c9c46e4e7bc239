#pragma once
// Remembers the best value of a validation metric (lower is better) and how many
// validations in a row failed to beat it. Early stopping and the plateau schedule both
// decide from it; a checkpoint stores its two numbers.
#include <limits>

namespace s2s {

class ImprovementTracker {
 public:
  // Records one validation result; returns true if it is a new best.
  bool observe(double value) {
    if (value < best_) {
      best_ = value;
      stalls_ = 0;
      return true;
    }
    ++stalls_;
    return false;
  }

  double best() const { return best_; }  // +inf before the first validation
  int stalls() const { return stalls_; }  // validations since the last improvement
  void restore(double best, int stalls) { best_ = best, stalls_ = stalls; }

 private:
  double best_ = std::numeric_limits<double>::infinity();
  int stalls_ = 0;
};

}  // namespace s2s
