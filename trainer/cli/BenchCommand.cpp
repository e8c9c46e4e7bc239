// `s2s bench [--config FILE] [model.key=value ...] --vocab V --batch B --src-len S --tgt-len T
// [--fixed-len] [--threads N] [--steps N] [--warmup N] [--json]`: times training steps and
// decoding on synthetic batches (trainer/StepBenchmark.h); bench/side_by_side.sh runs it
// beside bench/torch_reference.py.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "trainer/StepBenchmark.h"
#include "trainer/cli/Commands.h"
#include "trainer/comm/Runtime.h"
#include "trainer/config/ConfigLoader.h"

namespace s2s::cli {
namespace {

struct BenchArgs {
  std::string config;
  std::vector<std::string> overrides;
  BenchOptions bench;
  int threads = 0;  // 0: the config's run.threads
  bool json = false;
};

void bench(const BenchArgs& args) {
  const Config config = ConfigLoader::load(args.config, args.overrides);
  RuntimeOptions runtime_options;
  runtime_options.threads = args.threads > 0 ? args.threads : config.run.threads;
  Runtime runtime(nullptr, nullptr, runtime_options);
  std::unique_ptr<Communicator> comm = runtime.make_communicator();
  BenchOptions options = args.bench;
  options.batches.seed = static_cast<uint64_t>(config.run.seed);
  const BenchReport report = StepBenchmark(config, options, *comm).run();
  if (args.json)
    std::cout << report.to_json().dump() << '\n';
  else
    std::cout << report.table();
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Time training steps and greedy/beam decoding on synthetic batches: tokens/s, "
               "step split, FLOPs, MFU, memory");
  cmd->add_option("-c,--config", a->config, "YAML config: model shape, optimiser, device, seed")
      ->check(CLI::ExistingFile);
  cmd->add_option("overrides", a->overrides, "section.key=value overrides, e.g. model.decoder_hidden=256");
  SyntheticBatchOptions& b = a->bench.batches;
  cmd->add_option("--vocab", b.vocab, "source and target vocabulary size (with the 4 special ids)")
      ->capture_default_str();
  cmd->add_option("--batch", b.rows, "pairs per batch")->capture_default_str();
  cmd->add_option("--src-len", b.src_len, "longest source, tokens with </s>")->capture_default_str();
  cmd->add_option("--tgt-len", b.tgt_len, "longest target, decoder steps")->capture_default_str();
  cmd->add_flag("--fixed-len", b.fixed_len, "every row as long as the longest (else uniform in [ceil(len/2), len])");
  cmd->add_option("--threads", a->threads, "intra-op CPU threads (default: run.threads)");
  cmd->add_option("--steps", a->bench.steps, "timed training steps")->capture_default_str();
  cmd->add_option("--warmup", a->bench.warmup, "untimed steps first")->capture_default_str();
  cmd->add_option("--decode-batches", a->bench.decode_batches,
                  "batches decoded with greedy and with beam 5 (0: no decoding)")
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "print one JSON object instead of the table");
  cmd->callback([a] { bench(*a); });
}

}  // namespace s2s::cli
