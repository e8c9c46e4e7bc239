#pragma once
// Token error rate, computed as WER is: the word-level Levenshtein distance (substitutions,
// insertions, deletions, each cost 1; no shifts, unlike TER) between hypothesis and
// reference tokens, summed over the corpus and divided by the summed reference length.
// Tokens are the whitespace-separated pieces of the text as given (no 13a tokenisation:
// the caller decides what a token is, e.g. detokenized words or model pieces joined by
// spaces).
// With several references, a segment counts the fewest edits over its references and the
// average reference length (sacreBLEU's TER convention). Reported in percent; can exceed
// 100 when the hypothesis is longer than the reference. An all-empty reference side gives
// 0 without edits and 100 with any.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace s2s {

class TokenErrorRate {
 public:
  void add(std::string_view hypothesis, const std::vector<std::string_view>& references);
  double score() const { return score_of(edits_, ref_len_); }  // percent
  // The score of summed statistics (e.g. of several ranks' shares).
  static double score_of(int64_t edits, double reference_length);
  int64_t edits() const { return edits_; }
  double reference_length() const { return ref_len_; }

  // Levenshtein distance between two token sequences.
  static int64_t edit_distance(const std::vector<std::string>& a, const std::vector<std::string>& b);

 private:
  int64_t edits_ = 0;
  double ref_len_ = 0;
};

}  // namespace s2s
