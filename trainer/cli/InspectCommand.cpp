// `s2s inspect CORPUS_DIR`: what a corpus directory holds, and whether it is intact.
// `s2s inspect RUN_DIR`: the run's checkpoints with step, metrics and validity.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "core/Check.h"
#include "data/CorpusInspector.h"
#include "trainer/CheckpointStore.h"
#include "trainer/cli/Commands.h"

namespace s2s::cli {

namespace {
struct InspectArgs {
  std::string dir;
  int64_t pairs = 5;
  bool no_verify = false;
};
// Lists RUN_DIR/checkpoints; returns the number of unusable checkpoints.
int inspect_run(const std::string& run_dir, std::ostream& out) {
  const CheckpointStore store(run_dir);
  const auto checkpoints = store.list();
  out << fmt::format("run {}: {} checkpoint{} in {}\n", run_dir, checkpoints.size(),
                     checkpoints.size() == 1 ? "" : "s", store.dir());
  out << fmt::format("{:>10}  {:>6}  {:>10}  {:>10}  {:<6}  {}\n", "step", "epoch", "valid loss",
                     "MB", "latest", "state");
  int bad = 0;
  for (const auto& c : checkpoints) {
    const auto loss = c.metrics.find("loss");
    bad += !c.valid();
    out << fmt::format("{:>10}  {:>6}  {:>10}  {:>10.1f}  {:<6}  {}\n", c.step, c.epoch,
                       loss == c.metrics.end() ? std::string("-") : fmt::format("{:.4f}", loss->second),
                       static_cast<double>(c.bytes) / 1e6, c.latest ? "yes" : "", c.valid() ? "ok" : c.problem);
  }
  return bad;
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto a = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand(
      "inspect",
      "Show a corpus directory (pairs, tokens, vocabularies, lengths; verify checksums) or a run "
      "directory (checkpoints with step, metrics and validity)");
  cmd->add_option("DIR", a->dir, "corpus directory written by s2s prep, or a run directory of s2s train")
      ->required();
  cmd->add_option("--pairs", a->pairs, "decoded training pairs to print")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--no-verify", a->no_verify, "skip reading every shard to check its SHA-256");
  cmd->callback([a] {
    if (std::filesystem::is_directory(a->dir + "/checkpoints")) {
      const int bad = inspect_run(a->dir, std::cout);
      std::cout.flush();
      S2S_CHECK(bad == 0, "{}: {} checkpoint{} unusable (see above); s2s train resumes from the newest good one",
                a->dir, bad, bad == 1 ? " is" : "s are");
      return;
    }
    const CorpusInspector inspector(a->dir);
    std::ostream& out = std::cout;
    inspector.print_summary(out);
    for (const auto& [name, split] : inspector.manifest().splits) {
      out << '\n';
      inspector.print_histogram(out, name);
    }
    if (a->pairs > 0) {
      out << '\n';
      inspector.print_pairs(out, "train", a->pairs);
    }
    if (a->no_verify) return;
    out << "\nverifying shards and vocabularies:\n";
    const int bad = inspector.verify(out);
    out.flush();
    S2S_CHECK(bad == 0, "{}: {} file{} failed verification (see above): re-run s2s prep, or copy the corpus again",
              a->dir, bad, bad == 1 ? "" : "s");
    out << "all shards verified\n";
  });
}

}  // namespace s2s::cli
