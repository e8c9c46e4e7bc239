#pragma once
// The `checkpoint:` section of the config: when the trainer writes a checkpoint and which
// ones CheckpointStore keeps (see trainer/checkpoint/CHECKPOINT.md for the files themselves).
#include <cstdint>
#include <string>

#include "core/FieldRule.h"

namespace s2s {

struct CheckpointOptions {
  // Each key's doc, default and accepted values: fields() below (the one place they are written).
  int64_t every_steps = 1000;
  double every_minutes = 30;
  int keep_last = 3;
  int keep_best = 1;

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
