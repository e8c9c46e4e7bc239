#pragma once
// Corpus chrF exactly as sacreBLEU 2.x computes it with its defaults (CHRF(): character
// n-grams of orders 1..6, no word n-grams, beta 2, case-sensitive, whitespace removed,
// no eps smoothing):
//   - characters are Unicode code points of the segment with all whitespace removed;
//   - per segment and order n: hypothesis n-grams (0 when the reference has no n-grams of
//     that order, as sacreBLEU does), reference n-grams, matches (clipped);
//     with several references, the reference whose segment-level chrF is highest (the first
//     on a tie) supplies the segment's statistics;
//   - statistics are summed over the corpus; precision and recall are averaged over the
//     orders where both hypothesis and reference have n-grams, and
//       chrF = 100 * (1 + beta^2) P R / (beta^2 P + R)   (0 when P + R = 0).
//
//   CorpusChrf chrf;
//   chrf.add(hyp, {ref1, ref2});
//   double score = chrf.score();
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace s2s {

class CorpusChrf {
 public:
  static constexpr int kOrder = 6;
  static constexpr double kBeta = 2.0;
  // [hyp, ref, match] counts per order, flattened like sacreBLEU's statistics.
  using Stats = std::array<int64_t, 3 * kOrder>;

  void add(std::string_view hypothesis, const std::vector<std::string_view>& references);
  double score() const { return f_score(stats_); }
  const Stats& stats() const { return stats_; }

  // sacreBLEU's CHRF._compute_f_score (0..100).
  static double f_score(const Stats& stats);

 private:
  Stats stats_{};
};

}  // namespace s2s
