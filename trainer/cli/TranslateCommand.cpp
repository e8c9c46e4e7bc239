// `s2s translate --checkpoint CKPT_OR_RUN_DIR [--input F] [--output F] [--beam N] [--nbest K]
// [--attention F.jsonl]`: source lines in (stdin or a file), hypotheses out (stdout or a
// file), one per line in input order, decoded in batches with the checkpoint's own
// tokenizers and vocabularies (trainer/decode/Translator.h). With --nbest K each line is
// `index ||| hypothesis ||| score` (0-based index, K lines per source, best first, score =
// length-normalised log-probability), as fairseq and Marian print n-best lists. Several
// --checkpoint flags decode with their ensemble (the mean of the members' log-probabilities
// at every step, the mean of their attention).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "core/Check.h"
#include "core/Clock.h"
#include "core/Log.h"
#include "data/Utf8.h"
#include "trainer/decode/Translator.h"
#include "trainer/cli/Commands.h"
#include "trainer/cli/DecodeFlags.h"

namespace s2s::cli {
namespace {

struct TranslateArgs {
  DecodeFlags decode;
  std::string input;      // empty or "-": stdin
  std::string output;     // empty or "-": stdout
  int64_t nbest = 0;      // 0: plain output (the best hypothesis only)
  std::string attention;  // JSONL file of the best hypotheses' attention weights
};

// Lines read and decoded at a time: enough batches to sort by length, bounded memory.
constexpr int64_t kChunkBatches = 64;

// One JSON object per source line: the tokens on both sides (each ending in </s>) and the
// attention matrix, one row per output token, one column per source token.
nlohmann::json attention_record(int64_t index, const Translation& t) {
  const TranslatedHypothesis& best = t.nbest.at(0);
  std::vector<std::string> source = t.source_tokens, output = best.tokens;
  source.push_back("</s>");
  output.push_back("</s>");
  const auto a = best.attention.accessor<float, 2>();  // (output, source)
  nlohmann::json rows = nlohmann::json::array();
  for (int64_t i = 0; i < a.size(0); ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (int64_t j = 0; j < a.size(1); ++j) row.push_back(a[i][j]);
    rows.push_back(std::move(row));
  }
  return {{"index", index}, {"source", source}, {"output", output}, {"score", best.score}, {"attention", rows}};
}

void translate(TranslateArgs& a) {
  const bool from_stdin = a.input.empty() || a.input == "-";
  std::ifstream file_in;
  if (!from_stdin) {
    file_in.open(a.input, std::ios::binary);
    S2S_CHECK(file_in.good(), "cannot read {}: check the path", a.input);
  }
  std::istream& in = from_stdin ? std::cin : file_in;
  const std::string input_name = from_stdin ? std::string("<stdin>") : a.input;
  std::ofstream file_out;
  if (!a.output.empty() && a.output != "-") {
    file_out.open(a.output, std::ios::binary);
    S2S_CHECK(file_out.good(), "cannot write {}: check the directory", a.output);
  }
  std::ostream& out = file_out.is_open() ? file_out : std::cout;
  std::ofstream attention_out;
  if (!a.attention.empty()) {
    attention_out.open(a.attention, std::ios::binary);
    S2S_CHECK(attention_out.good(), "cannot write {}: check the directory", a.attention);
  }

  const TrainedEnsemble model = a.decode.load();
  SearchOptions search = a.decode.search(model.config().search);
  S2S_CHECK(a.nbest <= search.beam_size, "s2s translate: --nbest {} needs --beam {} or more (the beam is {})",
            a.nbest, a.nbest, search.beam_size);
  search.n_best = std::max<int64_t>(a.nbest, 1);
  search.keep_attention = attention_out.is_open();
  Translator translator = model.translator(search);

  const auto start = Clock::now();
  const auto chunk = static_cast<size_t>(a.decode.batch_size() * kChunkBatches);
  int64_t index = 0;
  std::vector<std::string> lines;
  std::string line;
  bool more = true;
  while (more) {
    lines.clear();
    while (lines.size() < chunk && (more = static_cast<bool>(std::getline(in, line)))) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      size_t bad = 0;
      S2S_CHECK(utf8::is_valid(line, &bad), "{}:{}: not valid UTF-8 (byte {} of the line): convert the input to UTF-8",
                input_name, index + static_cast<int64_t>(lines.size()) + 1, bad + 1);
      lines.push_back(line);
    }
    if (lines.empty()) break;
    for (const Translation& t : translator.translate(lines, a.decode.batch_size())) {
      if (a.nbest > 0) {
        for (const auto& h : t.nbest) out << fmt::format("{} ||| {} ||| {:.6f}\n", index, h.text, h.score);
      } else {
        out << t.nbest.at(0).text << '\n';
      }
      if (attention_out.is_open()) attention_out << attention_record(index, t).dump() << '\n';
      ++index;
    }
    out.flush();
  }
  S2S_CHECK(!in.bad(), "error while reading {}", input_name);
  S2S_CHECK(out.good(), "writing the translations failed (disk full?)");
  const double seconds = seconds_since(start);
  Log("translate").info("{} lines in {:.1f} s ({:.1f} lines/s), beam {}", index, seconds,
                        static_cast<double>(index) / std::max(seconds, 1e-9), search.beam_size);
}

}  // namespace

void add_translate_command(CLI::App& app) {
  auto a = std::make_shared<TranslateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "translate", "Translate source lines with a trained checkpoint (greedy or beam search, n-best, attention)");
  a->decode.add_to(cmd);
  cmd->add_option("-i,--input", a->input, "source sentences, one per line (default: stdin)");
  cmd->add_option("-o,--output", a->output, "where the hypotheses go (default: stdout)");
  cmd->add_option("--nbest", a->nbest,
                  "print the K best hypotheses of each line as `index ||| hypothesis ||| score` (needs --beam >= K)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--attention", a->attention,
                  "also write the best hypothesis' attention weights as JSON lines: index, source and "
                  "output tokens (each ending in </s>), score, and the (output x source) matrix");
  cmd->callback([a] { translate(*a); });
}

}  // namespace s2s::cli
