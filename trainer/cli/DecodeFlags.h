#pragma once
// The flags that `s2s translate`, `s2s eval` and `s2s plot attention` share: which
// checkpoint (and where its corpus is), the device, the batch size and the search. A search
// flag left out takes the value of the checkpoint config's `search:` section (of the first
// checkpoint). --checkpoint given several times decodes with the ensemble of them all
// (trainer/decode/TrainedEnsemble.h); --best, --raw-weights, --data and --device apply to
// each. A checkpoint with EMA weights (train.ema_decay) decodes with them, unless --raw-weights.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/search/SearchOptions.h"
#include "trainer/decode/TrainedEnsemble.h"

namespace s2s::cli {

class DecodeFlags {
 public:
  // Registers the flags on `cmd`; this object must outlive the parse (keep it in the
  // command's shared arguments).
  void add_to(CLI::App* cmd);

  TrainedEnsemble load() const;
  // `defaults` (the checkpoint's search: section) with the given flags applied.
  SearchOptions search(const SearchOptions& defaults) const;
  int64_t batch_size() const { return batch_size_; }

 private:
  std::vector<std::string> checkpoints_;  // one, or the members of an ensemble
  TrainedModelRequest request_;           // everything but the checkpoint
  int64_t batch_size_ = 32;
  std::optional<int64_t> beam_;
  std::optional<std::string> length_penalty_;
  std::optional<double> alpha_;
  std::optional<double> max_length_ratio_;
  std::optional<int64_t> max_length_offset_;
};

}  // namespace s2s::cli
