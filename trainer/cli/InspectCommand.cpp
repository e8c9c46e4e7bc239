// `s2s inspect CORPUS_DIR`: what a corpus directory holds, and whether it is intact.
#include <iostream>
#include <memory>
#include <string>

#include "core/Check.h"
#include "data/CorpusInspector.h"
#include "trainer/cli/Commands.h"

namespace s2s::cli {

namespace {
struct InspectArgs {
  std::string dir;
  int64_t pairs = 5;
  bool no_verify = false;
};
}  // namespace

void add_inspect_command(CLI::App& app) {
  auto a = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Show a corpus directory: pairs, tokens, vocabularies, length histogram; verify its checksums");
  cmd->add_option("CORPUS_DIR", a->dir, "directory written by s2s prep")->required();
  cmd->add_option("--pairs", a->pairs, "decoded training pairs to print")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--no-verify", a->no_verify, "skip reading every shard to check its SHA-256");
  cmd->callback([a] {
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
