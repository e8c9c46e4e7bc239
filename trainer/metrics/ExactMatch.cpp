#include "trainer/metrics/ExactMatch.h"

#include "trainer/metrics/UnicodeText.h"

namespace s2s {

void ExactMatch::add(std::string_view hypothesis, const std::vector<std::string_view>& references) {
  const auto hyp = unicode_text::split(hypothesis);
  bool match = false;
  for (const auto ref : references) match = match || unicode_text::split(ref) == hyp;
  matches_ += match;
  ++segments_;
}

double ExactMatch::score_of(int64_t matches, int64_t segments) {
  return segments == 0 ? 0.0 : 100.0 * static_cast<double>(matches) / static_cast<double>(segments);
}

}  // namespace s2s
