#pragma once
// Checkpoint averaging (`s2s average`): the element-wise mean of the model parameters of
// several checkpoints of one model, as fairseq's scripts/average_checkpoints.py computes it
// (here summed in float64, in the order given, and rounded once to each parameter's dtype).
//
// The result is an ordinary checkpoint (`s2s translate`, `s2s eval`, `s2s train
// --fine-tune` take it) that holds only what belongs to its own weights:
//   - model/<path> tensors: the averages of the sources' EMA weights when they hold them
//     (the weights their metrics describe and they decode with), else of their raw ones;
//     no ema/ group, no optimizer state (Adam's moments of different points of a run do
//     not average into the moments of the average), no data position, no RNG or
//     training-state scalars: one rank whose cursor and RNG states are empty.
//   - no metric.<name>: it was never validated (metrics are measured on a checkpoint's own
//     weights; `s2s eval` measures it).
//   - step, epoch and config_yaml of its newest source (highest step); the vocabulary
//     hashes all sources share.
//   - the record of what it averages, as root attributes (CHECKPOINT.md): averaged_count,
//     and for each source i (0-based, in the order averaged) averaged_<i>_file (absolute
//     path), averaged_<i>_step, averaged_<i>_sha256 (of the source file) and
//     averaged_<i>_weights ("ema" or "raw": which of its weights were averaged).
// `s2s train --resume` refuses it (CheckpointCodec::restore_optimizer): it has nothing to
// resume.
#include <cstdint>
#include <string>
#include <vector>

#include "trainer/checkpoint/CheckpointState.h"

namespace s2s {

class CheckpointAverage {
 public:
  static constexpr const char* kCountAttribute = "averaged_count";

  // The `n` newest valid checkpoints of RUN_DIR that its manifest lists (checked for size,
  // checksum and format version), oldest first. Throws a one-line s2s::Error when RUN_DIR
  // is no run directory or holds fewer than n valid ones.
  static std::vector<std::string> last(const std::string& run_dir, int64_t n);

  // Reads and verifies every file (against its run's manifest when it lies in
  // RUN_DIR/checkpoints/) and returns the average of the weights each decodes with: its EMA
  // weights (`ema/`, train.ema_decay) when it holds them and `raw_weights` is false, else
  // its raw ones; the result's model/ tensors hold the average, it has no ema/. Throws a one-line s2s::Error when the
  // list is empty or names a file twice, a file is missing or damaged, or two files differ
  // in their model tensors (names, shapes, dtypes) or vocabularies: the error names both
  // files and what differs.
  static CheckpointState of(const std::vector<std::string>& paths, bool raw_weights = false);

  // Whether `state` is an average of checkpoints (it carries the record above).
  static bool is_average(const CheckpointState& state);
};

}  // namespace s2s
