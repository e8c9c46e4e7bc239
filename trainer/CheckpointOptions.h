#pragma once
// The `checkpoint:` section of the config: when the trainer writes a checkpoint and which
// ones CheckpointStore keeps (see trainer/CHECKPOINT.md for the files themselves).
#include <cstdint>
#include <string>

#include "core/FieldRule.h"

namespace s2s {

struct CheckpointOptions {
  int64_t every_steps = 1000;   // write a checkpoint every N updates; 0 = not by steps
  double every_minutes = 30;    // and at least every M minutes of training; 0 = not by time
  int keep_last = 3;            // keep the N most recent checkpoints
  int keep_best = 1;            // and the N best by train.valid_metric; 0 = none

  template <class V>
  void fields(V& v) {
    v("every_steps", every_steps, "write a checkpoint every N updates (0: not by step count)",
      at_least(0));
    v("every_minutes", every_minutes,
      "also write one when this many minutes passed since the last (0: not by time)", at_least(0.0));
    v("keep_last", keep_last,
      "keep the N most recent checkpoints (older ones are deleted unless among the best)",
      at_least(1));
    v("keep_best", keep_best,
      "also keep the N checkpoints with the best train.valid_metric (0: none)", at_least(0));
  }
};

}  // namespace s2s
