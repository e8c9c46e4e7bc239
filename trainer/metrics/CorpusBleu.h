#pragma once
// Corpus BLEU exactly as sacreBLEU 2.x computes it with its defaults (BLEU(): 13a
// tokenisation, case-sensitive, max n-gram order 4, exponential smoothing "exp", no
// effective order):
//   - each segment's n-grams (n = 1..4) are clipped by the maximum count of that n-gram in
//     any of its references;
//   - its reference length is the closest reference length (ties: the shorter);
//   - counts and lengths are summed over the corpus, then
//       p_n = correct_n / total_n, or 1 / (2^k * total_n) for the k-th order with no match
//       BP  = 1 if sys_len >= ref_len, else exp(1 - ref_len / sys_len) (0 if sys_len = 0)
//       BLEU = 100 * BP * exp(mean_n log p_n)
//     and BLEU is 0 when nothing matches at all or when some order has no n-grams.
//
//   CorpusBleu bleu;
//   bleu.add(hyp, {ref1, ref2});     // per segment; any number (>= 1) of references
//   double score = bleu.score().bleu;
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trainer/metrics/Tokenizer13a.h"

namespace s2s {

struct BleuScore {
  static constexpr int kOrder = 4;
  double bleu = 0;                         // 0..100
  std::array<double, kOrder> precisions{};  // percent, as smoothed (sacreBLEU's "precisions")
  double brevity_penalty = 0;
  int64_t sys_len = 0;                     // hypothesis tokens (13a)
  int64_t ref_len = 0;                     // closest-reference tokens, summed
  std::array<int64_t, kOrder> correct{};   // clipped n-gram matches
  std::array<int64_t, kOrder> total{};     // hypothesis n-grams
};

class CorpusBleu {
 public:
  // Adds one segment. `references` must not be empty; an empty string is a valid (empty)
  // reference, as in sacreBLEU.
  void add(std::string_view hypothesis, const std::vector<std::string_view>& references);
  BleuScore score() const;
  int64_t segments() const { return segments_; }

  // The score from summed statistics (sacreBLEU's BLEU.compute_bleu with "exp" smoothing).
  static BleuScore compute(const std::array<int64_t, BleuScore::kOrder>& correct,
                           const std::array<int64_t, BleuScore::kOrder>& total, int64_t sys_len,
                           int64_t ref_len);

 private:
  Tokenizer13a tokenize_;
  std::array<int64_t, BleuScore::kOrder> correct_{};
  std::array<int64_t, BleuScore::kOrder> total_{};
  int64_t sys_len_ = 0;
  int64_t ref_len_ = 0;
  int64_t segments_ = 0;
};

}  // namespace s2s
