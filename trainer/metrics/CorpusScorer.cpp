#include "trainer/metrics/CorpusScorer.h"

#include <fmt/format.h>

#include <cmath>
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

// [0, 4) BLEU clipped matches per order, [4, 8) BLEU hypothesis n-grams per order,
// 8 BLEU hypothesis length, 9 BLEU reference length, [10, 28) chrF statistics,
// 28 exact matches, 29 segments, 30 token edits, 31 reference tokens (token error rate),
// 32 segments x references.
std::vector<double> CorpusScorer::statistics() const {
  std::vector<double> s;
  s.reserve(kStatistics);
  const BleuScore bleu = bleu_.score();
  for (const int64_t c : bleu.correct) s.push_back(static_cast<double>(c));
  for (const int64_t t : bleu.total) s.push_back(static_cast<double>(t));
  s.push_back(static_cast<double>(bleu.sys_len));
  s.push_back(static_cast<double>(bleu.ref_len));
  for (const int64_t c : chrf_.stats()) s.push_back(static_cast<double>(c));
  s.push_back(static_cast<double>(exact_.matches()));
  s.push_back(static_cast<double>(exact_.segments()));
  s.push_back(static_cast<double>(ter_.edits()));
  s.push_back(ter_.reference_length());
  s.push_back(static_cast<double>(segments_ * references_));
  S2S_ASSERT(s.size() == kStatistics);
  return s;
}

MetricScores CorpusScorer::from_statistics(const std::vector<double>& s) {
  S2S_CHECK(s.size() == kStatistics, "metric statistics: expected {} numbers, got {}", kStatistics, s.size());
  const auto count = [&](size_t i) { return static_cast<int64_t>(std::llround(s[i])); };
  constexpr size_t kOrder = BleuScore::kOrder;
  std::array<int64_t, kOrder> correct{}, total{};
  for (size_t n = 0; n < kOrder; ++n) correct[n] = count(n), total[n] = count(kOrder + n);
  size_t i = 2 * kOrder;
  MetricScores m;
  m.bleu = CorpusBleu::compute(correct, total, count(i), count(i + 1));
  i += 2;
  CorpusChrf::Stats chrf{};
  for (auto& c : chrf) c = count(i++);
  m.chrf = CorpusChrf::f_score(chrf);
  m.exact_match = ExactMatch::score_of(count(i), count(i + 1));
  m.segments = count(i + 1);
  m.token_error_rate = TokenErrorRate::score_of(count(i + 2), s[i + 3]);
  m.references = m.segments > 0 ? count(i + 4) / m.segments : 0;
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
