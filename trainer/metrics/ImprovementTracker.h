#pragma once
// Remembers the best value of a validation metric and how many validations in a row failed
// to beat it, in the direction the metric improves (ValidMetric.h: lower is better for the
// loss, higher for BLEU, chrF and exact match). Early stopping and the plateau schedule both decide from it; a
// checkpoint stores its two numbers.
#include <limits>

#include "trainer/metrics/ValidMetric.h"

namespace s2s {

class ImprovementTracker {
 public:
  explicit ImprovementTracker(bool higher_is_better = false)
      : higher_(higher_is_better),
        best_(higher_is_better ? -std::numeric_limits<double>::infinity()
                               : std::numeric_limits<double>::infinity()) {}
  explicit ImprovementTracker(ValidMetric metric) : ImprovementTracker(higher_is_better(metric)) {}

  // Whether `a` is strictly better than `b`.
  bool better(double a, double b) const { return higher_ ? a > b : a < b; }

  // Records one validation result; returns true if it is a new best.
  bool observe(double value) {
    if (better(value, best_)) {
      best_ = value;
      stalls_ = 0;
      return true;
    }
    ++stalls_;
    return false;
  }

  double best() const { return best_; }  // +inf (-inf when higher is better) before the first validation
  int stalls() const { return stalls_; }  // validations since the last improvement
  bool higher() const { return higher_; }
  void restore(double best, int stalls) { best_ = best, stalls_ = stalls; }

 private:
  bool higher_;
  double best_;
  int stalls_ = 0;
};

}  // namespace s2s
