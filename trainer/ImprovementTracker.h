#pragma once
// Remembers the best value of a validation metric and how many validations in a row failed
// to beat it. Lower is better for a loss, higher for BLEU, chrF and exact match
// (higher_is_better()). Early stopping and the plateau schedule both decide from it; a
// checkpoint stores its two numbers.
#include <limits>
#include <string>

namespace s2s {

class ImprovementTracker {
 public:
  explicit ImprovementTracker(bool higher_is_better = false)
      : higher_(higher_is_better),
        best_(higher_is_better ? -std::numeric_limits<double>::infinity()
                               : std::numeric_limits<double>::infinity()) {}

  // Whether a larger value of validation metric `metric` (train.valid_metric: loss, bleu,
  // chrf, exact_match, or token_error_rate) is an improvement.
  static bool higher_is_better(const std::string& metric) {
    return metric == "bleu" || metric == "chrf" || metric == "exact_match";
  }

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
