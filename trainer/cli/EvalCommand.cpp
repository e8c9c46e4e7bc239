// `s2s eval --checkpoint CKPT_OR_RUN_DIR --tsv F [--json] [--output HYP]`: translates the
// sources of a `source<TAB>reference` file and scores the outputs against the references
// as `s2s score` does (BLEU, chrF, exact match, token error rate), plus the validation loss:
// label-smoothing-free negative log-likelihood per reference token (</s> included) under
// teacher forcing, with the references tokenized by the checkpoint's own tokenizer. With
// --checkpoint given several times it evaluates their ensemble (the loss: the mean of the
// members' losses, the negated score the ensemble's search gives the references).
#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "core/Check.h"
#include "data/TsvPairSource.h"
#include "trainer/decode/Translator.h"
#include "trainer/cli/Commands.h"
#include "trainer/cli/DecodeFlags.h"
#include "trainer/metrics/CorpusScorer.h"

namespace s2s::cli {
namespace {

struct EvalArgs {
  DecodeFlags decode;
  std::string tsv;
  bool json = false;
  std::string output;  // hypotheses, one per line; empty: not written
};

constexpr int64_t kMaxLineBytes = int64_t{1} << 24;

void evaluate(const EvalArgs& a) {
  std::vector<std::string> sources, references;
  TsvPairSource pairs(a.tsv, kMaxLineBytes);  // checks the tab and UTF-8, naming file:line
  for (TextPair p; pairs.next(p);) {
    sources.emplace_back(p.source);
    references.emplace_back(p.target);
  }
  S2S_CHECK(!sources.empty(), "{} holds no pairs: nothing to evaluate", a.tsv);

  const TrainedEnsemble model = a.decode.load();
  Translator translator = model.translator(a.decode.search(model.config().search));
  const std::vector<Translation> outputs = translator.translate(sources, a.decode.batch_size());
  const TeacherForcedLoss loss = translator.loss(sources, references, a.decode.batch_size());

  CorpusScorer scorer;
  std::ofstream hyp_out;
  if (!a.output.empty()) {
    hyp_out.open(a.output, std::ios::binary);
    S2S_CHECK(hyp_out.good(), "cannot write {}: check the directory", a.output);
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string& hyp = outputs[i].nbest.at(0).text;
    scorer.add(hyp, {references[i]});
    if (hyp_out.is_open()) hyp_out << hyp << '\n';
  }
  S2S_CHECK(!hyp_out.is_open() || hyp_out.good(), "writing {} failed (disk full?)", a.output);
  const MetricScores m = scorer.scores();
  const double ppl = std::exp(std::min(loss.per_token(), 50.0));
  const SearchOptions& search = translator.search_options();
  if (a.json) {
    nlohmann::json j = m.to_json();
    j["loss"] = loss.per_token();
    j["ppl"] = ppl;
    j["loss_tokens"] = loss.tokens;
    if (model.size() == 1) {
      j["checkpoint"] = model.members().front().checkpoint_path();
      j["step"] = model.members().front().step();
      j["weights"] = name_of(model.members().front().weights());
    } else {  // an ensemble: "A + B", and each member
      std::string joined;
      for (const TrainedModel& m : model.members()) {
        joined += (joined.empty() ? "" : " + ") + m.checkpoint_path();
        const nlohmann::json member = {
            {"checkpoint", m.checkpoint_path()}, {"step", m.step()}, {"weights", name_of(m.weights())}};
        j["ensemble"].push_back(member);
      }
      j["checkpoint"] = joined;
    }
    j["beam_size"] = search.beam_size;
    j["length_penalty"] = name_of(search.length_penalty);
    j["alpha"] = search.alpha;
    std::cout << j.dump() << '\n';
    return;
  }
  std::cout << fmt::format("checkpoint        {}, beam {}, {} length penalty (alpha {})\n",
                           model.description(), search.beam_size,
                           name_of(search.length_penalty), search.alpha)
            << m.table()
            << fmt::format("validation loss   {:.4f}  (ppl {:.2f}, {} reference tokens)\n",
                           loss.per_token(), ppl, loss.tokens);
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto a = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Translate the sources of a TSV with a checkpoint and score against its references: "
              "BLEU, chrF, exact match, token error rate, validation loss");
  a->decode.add_to(cmd);
  cmd->add_option("--tsv", a->tsv, "source<TAB>reference lines (UTF-8)")->required();
  cmd->add_flag("--json", a->json, "print one JSON object instead of the table");
  cmd->add_option("-o,--output", a->output, "also write the hypotheses, one per line");
  cmd->callback([a] { evaluate(*a); });
}

}  // namespace s2s::cli
