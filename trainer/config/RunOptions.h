#pragma once
// The `run:` section of the config: where a run writes and how it behaves as a process.
#include <cstdint>
#include <string>

#include "core/FieldRule.h"

namespace s2s {

struct RunOptions {
  // Each key's doc, default and accepted values: fields() below (the one place they are written).
  std::string dir = "runs/default";
  int64_t seed = 1;
  std::string log_level = "info";
  int threads = 0;

  template <class V>
  void fields(V& v) {
    v("dir", dir,
      "directory that receives everything a run writes: resolved config, logs, metrics, "
      "checkpoints",
      non_empty());
    v("seed", seed,
      "random seed for parameters, dropout and data order; same seed, config and world size "
      "give the same numbers on CPU",
      at_least(0));
    v("log_level", log_level, "log threshold of rank 0 (other ranks log warnings and errors)",
      one_of({"debug", "info", "warn", "error"}));
    v("threads", threads,
      "intra-op CPU threads per rank; 0 divides the node's cores among its ranks", at_least(0));
  }
};

}  // namespace s2s
