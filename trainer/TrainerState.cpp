#include "trainer/TrainerState.h"

#include <fmt/ranges.h>

#include <string>

#include "core/Check.h"

namespace s2s {

void TrainerState::store(CheckpointState& state) const {
  state.scalars["valid_metric"] = std::string(name_of(valid_metric));
  state.scalars["schedule_plateau_scale"] = schedule_plateau_scale;
  state.scalars["schedule_best"] = schedule_best;
  state.scalars["schedule_stalls"] = int64_t{schedule_stalls};
  state.scalars["early_stop_best"] = early_stop_best;
  state.scalars["early_stop_stalls"] = int64_t{early_stop_stalls};
}

TrainerState TrainerState::load(const CheckpointState& state) {
  TrainerState s;
  // Checkpoints of s2s before train.valid_metric existed watched the loss.
  const std::string metric =
      state.scalars.count("valid_metric") ? state.string_scalar("valid_metric") : std::string("loss");
  const auto parsed = parse_enum<ValidMetric>(metric);
  S2S_CHECK(parsed.has_value(), "checkpoint {}: valid_metric '{}' is not one of {}: it was written by an "
            "incompatible s2s", state.source, metric, fmt::join(enum_words<ValidMetric>(), ", "));
  s.valid_metric = *parsed;
  s.schedule_plateau_scale = state.double_scalar("schedule_plateau_scale");
  s.schedule_best = state.double_scalar("schedule_best");
  s.schedule_stalls = static_cast<int>(state.int_scalar("schedule_stalls"));
  s.early_stop_best = state.double_scalar("early_stop_best");
  s.early_stop_stalls = static_cast<int>(state.int_scalar("early_stop_stalls"));
  return s;
}

}  // namespace s2s
