// `s2s average --last N RUN_DIR -o FILE` or `s2s average A.h5 B.h5 ... -o FILE`: the average
// of several checkpoints' weights written as one checkpoint that `s2s translate`, `s2s
// eval` and `s2s train --fine-tune` take (trainer/checkpoint/CheckpointAverage.h: float64
// sums of the weights each source decodes with, its EMA ones when it has them unless
// --raw-weights; no optimizer state, no metrics; a record of its sources). Written atomically:
// FILE is the complete average or as it was.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/Check.h"
#include "core/Log.h"
#include "trainer/checkpoint/CheckpointAverage.h"
#include "trainer/checkpoint/CheckpointStore.h"
#include "trainer/cli/Commands.h"

namespace s2s::cli {
namespace {

struct AverageArgs {
  std::vector<std::string> inputs;  // checkpoint files, or (with --last) one run directory
  int64_t last = 0;                 // 0: average the files given
  std::string output;
  bool raw_weights = false;         // average the raw weights even where a source has EMA ones
};

std::vector<std::string> sources(const AverageArgs& a) {
  if (a.last > 0) {
    S2S_CHECK(a.inputs.size() == 1, "s2s average --last {} takes one run directory, got {} arguments", a.last,
              a.inputs.size());
    return CheckpointAverage::last(a.inputs.front(), a.last);
  }
  for (const std::string& input : a.inputs)
    S2S_CHECK(!std::filesystem::is_directory(input),
              "{} is a directory: give checkpoint files, or --last N with a run directory", input);
  return a.inputs;
}

void average(const AverageArgs& a) {
  const std::vector<std::string> paths = sources(a);
  const CheckpointState state = CheckpointAverage::of(paths, a.raw_weights);
  CheckpointStore::write_file(a.output, state);
  Log("average").info("wrote {}: the average of {} checkpoint{} (newest: step {}); no optimizer state, not "
                      "validated (s2s eval measures it)",
                      a.output, paths.size(), paths.size() == 1 ? "" : "s", state.step);
}

}  // namespace

void add_average_command(CLI::App& app) {
  auto a = std::make_shared<AverageArgs>();
  CLI::App* cmd = app.add_subcommand(
      "average", "Average the weights of checkpoints (the last N of a run, or the files given) into one checkpoint");
  cmd->add_option("inputs", a->inputs, "checkpoint files; with --last: one run directory")->required();
  cmd->add_option("--last", a->last, "average the N newest valid checkpoints of the run directory given")
      ->check(CLI::PositiveNumber);
  cmd->add_option("-o,--output", a->output, "the averaged checkpoint to write (replaced atomically)")->required();
  cmd->add_flag("--raw-weights", a->raw_weights,
                "average the raw weights of checkpoints that also hold EMA weights (train.ema_decay; by default "
                "their EMA weights are averaged)");
  cmd->callback([a] { average(*a); });
}

}  // namespace s2s::cli
