#pragma once
// All corpus metrics of s2s at once (BLEU, chrF, exact match, token error rate), for
// `s2s score` now and `s2s eval` / validation later: feed segments, read the scores as a
// struct, a JSON object or a table.
//
//   CorpusScorer scorer;
//   for (...) scorer.add(hyp, {ref1, ref2});
//   MetricScores m = scorer.scores();
//
//   MetricScores m = CorpusScorer::score_files("hyp.txt", {"ref1.txt", "ref2.txt"});
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trainer/metrics/CorpusBleu.h"
#include "trainer/metrics/CorpusChrf.h"
#include "trainer/metrics/ExactMatch.h"
#include "trainer/metrics/TokenErrorRate.h"

namespace s2s {

struct MetricScores {
  int64_t segments = 0;
  int64_t references = 0;  // references per segment
  BleuScore bleu;          // bleu.bleu: 0..100
  double chrf = 0;         // 0..100
  double exact_match = 0;  // percent of segments
  double token_error_rate = 0;  // percent (edits / reference tokens)

  // {"segments", "references", "bleu", "bleu_precisions", "brevity_penalty", "sys_len",
  //  "ref_len", "chrf", "exact_match", "token_error_rate"}
  nlohmann::json to_json() const;
  // A small aligned table, one metric per line, for people.
  std::string table() const;
};

class CorpusScorer {
 public:
  void add(std::string_view hypothesis, const std::vector<std::string_view>& references);
  MetricScores scores() const;

  // The sufficient statistics of every metric as one vector of counts (exact in float64 up
  // to 2^53): the element-wise sum of several scorers' statistics (e.g. an all-reduce over
  // the ranks that each scored a share of a corpus) gives, through from_statistics(), the
  // scores of the whole corpus. Averaging per-share scores would not (BLEU and chrF are not
  // means of segment scores). Layout: kStatistics entries, see CorpusScorer.cpp.
  static constexpr size_t kStatistics = 2 * BleuScore::kOrder + 2 + 3 * CorpusChrf::kOrder + 5;
  std::vector<double> statistics() const;
  static MetricScores from_statistics(const std::vector<double>& statistics);

  // Reads one segment per line (UTF-8; "\n" or "\r\n" line ends) from the hypothesis file
  // and from every reference file, and scores them. Throws s2s::Error naming the file when
  // one cannot be read, is not UTF-8 (with the line), or has a different line count.
  static MetricScores score_files(const std::string& hypothesis_path,
                                  const std::vector<std::string>& reference_paths);

 private:
  CorpusBleu bleu_;
  CorpusChrf chrf_;
  ExactMatch exact_;
  TokenErrorRate ter_;
  int64_t segments_ = 0;
  int64_t references_ = 0;
};

}  // namespace s2s
