// `s2s inspect CORPUS_DIR`: what a corpus directory holds, and whether it is intact.
// `s2s inspect RUN_DIR`: the run's checkpoints with step, metrics and validity.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "core/Check.h"
#include "data/CorpusInspector.h"
#include "trainer/checkpoint/CheckpointStore.h"
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
  // Decoded validation metrics (train.valid_metric other than loss) get columns when recorded.
  std::vector<std::string> decoded;
  for (const char* name : {"bleu", "chrf", "exact_match"})
    for (const auto& c : checkpoints)
      if (c.metrics.count(name)) {
        decoded.emplace_back(name);
        break;
      }
  const auto value = [](const CheckpointStore::Info& c, const std::string& name) {
    const auto it = c.metrics.find(name);
    return it == c.metrics.end() ? std::string("-") : fmt::format("{:.4f}", it->second);
  };
  std::string header = fmt::format("{:>10}  {:>6}  {:>10}", "step", "epoch", "valid loss");
  for (const auto& name : decoded) header += fmt::format("  {:>11}", name);
  out << header << fmt::format("  {:>10}  {:<6}  {}\n", "MB", "latest", "state");
  int bad = 0;
  for (const auto& c : checkpoints) {
    bad += !c.valid();
    std::string row = fmt::format("{:>10}  {:>6}  {:>10}", c.step, c.epoch, value(c, "loss"));
    for (const auto& name : decoded) row += fmt::format("  {:>11}", value(c, name));
    out << row << fmt::format("  {:>10.1f}  {:<6}  {}\n", static_cast<double>(c.bytes) / 1e6,
                              c.latest ? "yes" : "", c.valid() ? "ok" : c.problem);
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
