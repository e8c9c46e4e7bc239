#include "trainer/LearningRateSchedule.h"

#include <algorithm>
#include <cmath>

#include "core/Check.h"

namespace s2s {

LearningRateSchedule::LearningRateSchedule(const TrainOptions& options)
    : options_(options), tracker_(options.valid_metric) {}

double LearningRateSchedule::at(int64_t step) const {
  S2S_ASSERT(step >= 1);
  const double peak = options_.lr;
  const int64_t warmup = options_.warmup_steps;
  if (step <= warmup) return peak * static_cast<double>(step) / static_cast<double>(warmup);

  double lr = peak;
  switch (options_.schedule) {
    case ScheduleKind::inverse_sqrt:
      lr = peak * std::sqrt(static_cast<double>(std::max<int64_t>(warmup, 1)) / static_cast<double>(step));
      break;
    case ScheduleKind::plateau: lr = peak * scale_; break;
    case ScheduleKind::constant: break;
  }
  return std::max(lr, std::min(options_.min_lr, peak));
}

bool LearningRateSchedule::observe_validation(double metric) {
  if (options_.schedule != ScheduleKind::plateau) return false;
  tracker_.observe(metric);
  if (tracker_.stalls() <= options_.plateau_patience) return false;
  scale_ *= options_.plateau_factor;
  tracker_.restore(tracker_.best(), 0);  // patience starts again after each decay
  return true;
}

void LearningRateSchedule::restore(double plateau_scale, double best, int stalls) {
  scale_ = plateau_scale;
  tracker_.restore(best, stalls);
}

}  // namespace s2s
