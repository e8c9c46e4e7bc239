#include "trainer/metrics/TokenErrorRate.h"

#include <algorithm>
#include <limits>

#include "core/Check.h"
#include "trainer/metrics/UnicodeText.h"

namespace s2s {

int64_t TokenErrorRate::edit_distance(const std::vector<std::string>& a,
                                      const std::vector<std::string>& b) {
  // One row of the DP table at a time: O(|a| |b|) time, O(|b|) memory.
  std::vector<int64_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int64_t>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int64_t diag = row[0];  // D[i-1][j-1]
    row[0] = static_cast<int64_t>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int64_t up = row[j];  // D[i-1][j]
      row[j] = std::min({up + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

void TokenErrorRate::add(std::string_view hypothesis, const std::vector<std::string_view>& references) {
  S2S_CHECK(!references.empty(), "token error rate: a segment has no reference");
  const auto hyp = unicode_text::split(hypothesis);
  int64_t best = std::numeric_limits<int64_t>::max();
  double len_sum = 0;
  for (const auto ref_text : references) {
    const auto ref = unicode_text::split(ref_text);
    best = std::min(best, edit_distance(hyp, ref));
    len_sum += static_cast<double>(ref.size());
  }
  edits_ += best;
  ref_len_ += len_sum / static_cast<double>(references.size());
}

double TokenErrorRate::score_of(int64_t edits, double reference_length) {
  if (reference_length > 0) return 100.0 * static_cast<double>(edits) / reference_length;
  return edits > 0 ? 100.0 : 0.0;
}

}  // namespace s2s
