// `s2s train --config FILE [section.key=value ...]`: trains on one process or on every rank
// that mpirun / srun started. Rank 0 logs; the run directory gets the resolved config,
// train.log and metrics.jsonl.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/Check.h"
#include "core/Log.h"
#include "trainer/config/ConfigLoader.h"
#include "trainer/checkpoint/RunDirLock.h"
#include "trainer/comm/Runtime.h"
#include "trainer/StopSignal.h"
#include "trainer/Trainer.h"
#include "trainer/cli/BuildInfo.h"
#include "trainer/cli/Commands.h"

namespace s2s::cli {
namespace {

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string resume;     // --resume PATH
  bool no_resume = false;  // --no-resume
  std::string fine_tune;  // --fine-tune PATH
};

// Returns the process's exit code: 0, or StopSignal::kPreemptedExitCode after a signal.
int train(const TrainArgs& args) {
  const Config config = ConfigLoader::load(args.config, args.overrides);
  RuntimeOptions runtime_options;
  runtime_options.threads = config.run.threads;
  // Started here, not in main(): only training needs MPI. If anything below throws, the
  // Runtime skips MPI_Finalize while unwinding, main() reports the error and exits non-zero,
  // and mpirun takes the other ranks down.
  Runtime runtime(nullptr, nullptr, runtime_options);
  Log::configure(Log::parse_level(config.run.log_level), runtime.rank());
  const Log log("train");
  std::unique_ptr<RunDirLock> run_dir_lock;  // rank 0: one training per run directory
  if (runtime.rank() == 0) {
    run_dir_lock = std::make_unique<RunDirLock>(config.run.dir);
    Log::add_file(config.run.dir + "/train.log");
  }
  log.info("{}", BuildInfo::of_this_process().line());  // first, so that every train.log says what ran
  log.info("{} rank(s); this is {}", runtime.world_size(), runtime.describe());
  std::unique_ptr<Communicator> comm = runtime.make_communicator();
  ResumeRequest resume;
  resume.enabled = !args.no_resume;
  resume.path = args.fine_tune.empty() ? args.resume : args.fine_tune;
  resume.weights_only = !args.fine_tune.empty();
  Trainer trainer(config, runtime, *comm, resume);
  const TrainResult result = trainer.run();
  log.info("run directory: {} (config.yaml, train.log, metrics.jsonl, checkpoints/)", config.run.dir);
  return result.stop_reason == StopReason::signal ? StopSignal::kPreemptedExitCode : 0;
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a model: alone, or on every rank started by mpirun or srun --mpi=pmix");
  cmd->add_option("-c,--config", args->config, "YAML config (configs/reference.yaml lists every key)")
      ->check(CLI::ExistingFile);
  cmd->add_option("overrides", args->overrides, "section.key=value overrides, applied after --config");
  cmd->add_option("--resume", args->resume, "resume from this checkpoint file (default: the run directory's latest, if any)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--no-resume", args->no_resume, "start over even if the run directory holds a checkpoint");
  cmd->add_option("--fine-tune", args->fine_tune,
                  "start from this checkpoint's weights only: new optimizer, step 0, data from the start")
      ->check(CLI::ExistingFile);
  cmd->callback([args] {
    S2S_CHECK(!(args->no_resume && !args->resume.empty()), "s2s train: --resume and --no-resume contradict each other");
    S2S_CHECK(args->resume.empty() || args->fine_tune.empty(), "s2s train: give --resume or --fine-tune, not both");
    // The Runtime (MPI) is finalised inside train(); only then may the process exit.
    const int code = train(*args);
    if (code != 0) std::exit(code);
  });
}

}  // namespace s2s::cli
