#include "model/search/SearchOptions.h"

#include <cmath>

#include "core/Check.h"

namespace s2s {

void SearchOptions::validate() const {
  S2S_CHECK(beam_size >= 1, "search: beam_size must be at least 1, got {}", beam_size);
  S2S_CHECK(n_best >= 1 && n_best <= beam_size,
            "search: n_best must lie in [1, beam_size = {}], got {}", beam_size, n_best);
  S2S_CHECK(!name_of(length_penalty).empty(), "search: length_penalty must be one of none, gnmt, power");
  S2S_CHECK(std::isfinite(alpha) && alpha >= 0, "search: alpha must be a finite number >= 0, got {}",
            alpha);
  S2S_CHECK(std::isfinite(max_length_ratio) && max_length_ratio >= 0,
            "search: max_length_ratio must be a finite number >= 0, got {}", max_length_ratio);
  S2S_CHECK(max_length_offset >= 0, "search: max_length_offset must be >= 0, got {}",
            max_length_offset);
  S2S_CHECK(max_length_ratio > 0 || max_length_offset > 0,
            "search: max_length_ratio and max_length_offset are both 0: no output could be produced");
}

double SearchOptions::length_normaliser(int64_t n) const {
  switch (length_penalty) {
    case LengthPenalty::gnmt: return std::pow((5.0 + static_cast<double>(n)) / 6.0, alpha);
    case LengthPenalty::power: return std::pow(static_cast<double>(n), alpha);
    case LengthPenalty::none: break;
  }
  return 1.0;
}

int64_t SearchOptions::max_length(int64_t source_length) const {
  return static_cast<int64_t>(std::floor(max_length_ratio * static_cast<double>(source_length))) +
         max_length_offset;
}

}  // namespace s2s
