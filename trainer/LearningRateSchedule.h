#pragma once
// The learning rate of each update: linear warm-up from 0 to train.lr, then constant,
// inverse square root (fairseq's inverse_sqrt: lr * sqrt(warmup / step)), or reduced by
// plateau_factor when validation stalls for plateau_patience validations. Never below
// min_lr after warm-up.
#include <cstdint>

#include "trainer/metrics/ImprovementTracker.h"
#include "trainer/TrainOptions.h"

namespace s2s {

class LearningRateSchedule {
 public:
  explicit LearningRateSchedule(const TrainOptions& options);

  // Learning rate for update number `step` (1 for the first update).
  double at(int64_t step) const;
  // Feeds a validation result of train.valid_metric to the plateau schedule; returns true if it
  // lowered the learning rate. Other schedules ignore it.
  bool observe_validation(double metric);

  // What a checkpoint must keep to resume the schedule exactly.
  double plateau_scale() const { return scale_; }
  const ImprovementTracker& plateau_tracker() const { return tracker_; }
  void restore(double plateau_scale, double best, int stalls);

 private:
  TrainOptions options_;
  double scale_ = 1.0;  // plateau: product of the decays so far
  ImprovementTracker tracker_;
};

}  // namespace s2s
