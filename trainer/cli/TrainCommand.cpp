// `s2s train --config FILE [section.key=value ...]`: trains on one process or on every rank
// that mpirun / srun started. Rank 0 logs; the run directory gets the resolved config,
// train.log and metrics.jsonl.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/Check.h"
#include "core/Log.h"
#include "trainer/ConfigLoader.h"
#include "trainer/Runtime.h"
#include "trainer/Trainer.h"
#include "trainer/cli/Commands.h"

namespace s2s::cli {
namespace {

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
};

void train(const TrainArgs& args) {
  const Config config = ConfigLoader::load(args.config, args.overrides);
  RuntimeOptions runtime_options;
  runtime_options.threads = config.run.threads;
  // Started here, not in main(): only training needs MPI. If anything below throws, the
  // Runtime skips MPI_Finalize while unwinding, main() reports the error and exits non-zero,
  // and mpirun takes the other ranks down.
  Runtime runtime(nullptr, nullptr, runtime_options);
  Log::configure(Log::parse_level(config.run.log_level), runtime.rank());
  const Log log("train");
  if (runtime.rank() == 0) {
    std::filesystem::create_directories(config.run.dir);
    Log::add_file(config.run.dir + "/train.log");
  }
  log.info("{} rank(s); this is {}", runtime.world_size(), runtime.describe());
  std::unique_ptr<Communicator> comm = runtime.make_communicator();
  Trainer trainer(config, runtime, *comm);
  trainer.run();
  log.info("run directory: {} (config.yaml, train.log, metrics.jsonl)", config.run.dir);
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a model: alone, or on every rank started by mpirun or srun --mpi=pmix");
  cmd->add_option("-c,--config", args->config, "YAML config (configs/reference.yaml lists every key)")
      ->check(CLI::ExistingFile);
  cmd->add_option("overrides", args->overrides, "section.key=value overrides, applied after --config");
  cmd->callback([args] { train(*args); });
}

}  // namespace s2s::cli
