#include "trainer/metrics/CorpusScorer.h"

#include <fmt/format.h>

#include <fstream>

#include "core/Check.h"
#include "data/Utf8.h"

namespace s2s {

namespace {

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  S2S_CHECK(in.good(), "cannot read {}: check the path", path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t bad = 0;
    S2S_CHECK(utf8::is_valid(line, &bad), "{}:{}: not valid UTF-8 (byte {} of the line): convert the file to UTF-8",
              path, lines.size() + 1, bad + 1);
    lines.push_back(std::move(line));
  }
  S2S_CHECK(!in.bad(), "error while reading {}", path);
  return lines;
}

}  // namespace

void CorpusScorer::add(std::string_view hypothesis, const std::vector<std::string_view>& references) {
  S2S_CHECK(!references.empty(), "segment {} has no reference", segments_ + 1);
  S2S_CHECK(segments_ == 0 || static_cast<int64_t>(references.size()) == references_,
            "segment {} has {} references, earlier segments {}", segments_ + 1, references.size(),
            references_);
  bleu_.add(hypothesis, references);
  chrf_.add(hypothesis, references);
  exact_.add(hypothesis, references);
  ter_.add(hypothesis, references);
  references_ = static_cast<int64_t>(references.size());
  ++segments_;
}

MetricScores CorpusScorer::scores() const {
  MetricScores m;
  m.segments = segments_;
  m.references = references_;
  m.bleu = bleu_.score();
  m.chrf = chrf_.score();
  m.exact_match = exact_.score();
  m.token_error_rate = ter_.score();
  return m;
}

MetricScores CorpusScorer::score_files(const std::string& hypothesis_path,
                                       const std::vector<std::string>& reference_paths) {
  S2S_CHECK(!reference_paths.empty(), "no reference file: pass at least one --ref");
  const auto hyps = read_lines(hypothesis_path);
  std::vector<std::vector<std::string>> refs;
  for (const auto& path : reference_paths) {
    refs.push_back(read_lines(path));
    S2S_CHECK(refs.back().size() == hyps.size(),
              "{} has {} lines but the hypotheses {} have {}: one reference line per hypothesis line",
              path, refs.back().size(), hypothesis_path, hyps.size());
  }
  S2S_CHECK(!hyps.empty(), "{} is empty: nothing to score", hypothesis_path);
  CorpusScorer scorer;
  std::vector<std::string_view> segment_refs(refs.size());
  for (size_t i = 0; i < hyps.size(); ++i) {
    for (size_t r = 0; r < refs.size(); ++r) segment_refs[r] = refs[r][i];
    scorer.add(hyps[i], segment_refs);
  }
  return scorer.scores();
}

nlohmann::json MetricScores::to_json() const {
  return {{"segments", segments},
          {"references", references},
          {"bleu", bleu.bleu},
          {"bleu_precisions", bleu.precisions},
          {"brevity_penalty", bleu.brevity_penalty},
          {"sys_len", bleu.sys_len},
          {"ref_len", bleu.ref_len},
          {"chrf", chrf},
          {"exact_match", exact_match},
          {"token_error_rate", token_error_rate}};
}

std::string MetricScores::table() const {
  std::string s;
  s += fmt::format("segments          {} ({} reference{} each)\n", segments, references,
                   references == 1 ? "" : "s");
  s += fmt::format("BLEU              {:.2f}  ({:.1f}/{:.1f}/{:.1f}/{:.1f}, BP {:.3f}, hyp_len {}, ref_len {})\n",
                   bleu.bleu, bleu.precisions[0], bleu.precisions[1], bleu.precisions[2],
                   bleu.precisions[3], bleu.brevity_penalty, bleu.sys_len, bleu.ref_len);
  s += fmt::format("chrF              {:.2f}\n", chrf);
  s += fmt::format("exact match       {:.2f} %\n", exact_match);
  s += fmt::format("token error rate  {:.2f} %\n", token_error_rate);
  return s;
}

}  // namespace s2s
