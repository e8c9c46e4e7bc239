#pragma once
// Exact match: the percentage of segments whose hypothesis equals one of its references,
// compared after whitespace normalisation (leading/trailing whitespace dropped, inner runs
// of Unicode whitespace become one space) and nothing else: case and punctuation count.
#include <cstdint>
#include <string_view>
#include <vector>

namespace s2s {

class ExactMatch {
 public:
  void add(std::string_view hypothesis, const std::vector<std::string_view>& references);
  double score() const { return score_of(matches_, segments_); }  // 0..100; 0 for an empty corpus
  // The score of summed counts (e.g. of several ranks' shares).
  static double score_of(int64_t matches, int64_t segments);
  int64_t matches() const { return matches_; }
  int64_t segments() const { return segments_; }

 private:
  int64_t matches_ = 0;
  int64_t segments_ = 0;
};

}  // namespace s2s
