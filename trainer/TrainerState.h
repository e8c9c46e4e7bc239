#pragma once
// What the training loop itself carries across a resume, besides the weights, the optimizer
// and the data cursors: the trackers of the plateau schedule and of early stopping, and the
// metric their numbers are in. One typed struct, so that a misspelt name fails in the
// compiler instead of at somebody's resume; stored as root attributes of the checkpoint
// (trainer/checkpoint/CHECKPOINT.md, "Training-state scalars"), named here and only here.
#include <cstdint>

#include "trainer/checkpoint/CheckpointState.h"
#include "trainer/metrics/ValidMetric.h"

namespace s2s {

struct TrainerState {
  ValidMetric valid_metric = ValidMetric::loss;  // the units of the two best values below
  double schedule_plateau_scale = 1.0;  // plateau schedule: lr multiplier after its decays so far
  double schedule_best = 0;             // plateau schedule: best validation value so far
  int schedule_stalls = 0;              // plateau schedule: validations since it improved
  double early_stop_best = 0;           // early stopping: best validation value so far
  int early_stop_stalls = 0;            // early stopping: validations since it improved

  // Writes the fields into `state.scalars`.
  void store(CheckpointState& state) const;
  // Reads them back; throws s2s::Error naming the file and the attribute when one is missing
  // or of another type, or when valid_metric is not a metric this s2s knows.
  static TrainerState load(const CheckpointState& state);
};

}  // namespace s2s
