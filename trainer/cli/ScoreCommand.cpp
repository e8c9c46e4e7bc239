// `s2s score --hyp H --ref R1 [--ref R2 ...] [--json]`: BLEU, chrF, exact match and token
// error rate of any hypothesis file against one or more reference files (one segment per
// line), so outputs of other systems can be compared with s2s's. BLEU and chrF follow
// sacreBLEU's defaults (trainer/metrics/CorpusBleu.h, CorpusChrf.h).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "trainer/cli/Commands.h"
#include "trainer/metrics/CorpusScorer.h"

namespace s2s::cli {

namespace {
struct ScoreArgs {
  std::string hyp;
  std::vector<std::string> refs;
  bool json = false;
};
}  // namespace

void add_score_command(CLI::App& app) {
  auto a = std::make_shared<ScoreArgs>();
  CLI::App* cmd = app.add_subcommand(
      "score", "Score a hypothesis file against reference files: BLEU and chrF (sacreBLEU "
               "defaults), exact match, token error rate");
  cmd->add_option("--hyp", a->hyp, "hypotheses, one segment per line (UTF-8, detokenized)")
      ->required();
  cmd->add_option("--ref", a->refs,
                  "references, one segment per line; repeat for multi-reference scoring")
      ->required()
      ->take_all();
  cmd->add_flag("--json", a->json, "print one JSON object instead of the table");
  cmd->callback([a] {
    const MetricScores m = CorpusScorer::score_files(a->hyp, a->refs);
    if (a->json)
      std::cout << m.to_json().dump() << '\n';
    else
      std::cout << m.table();
  });
}

}  // namespace s2s::cli
