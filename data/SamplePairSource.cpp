#include "data/SamplePairSource.h"

#include <fmt/format.h>

#include <vector>

#include "core/Check.h"
#include "data/Rng.h"

namespace s2s {

SamplePairSource::SamplePairSource(int64_t pairs, uint64_t seed) : pairs_(pairs), seed_(seed) {
  S2S_CHECK(pairs > 0, "the sample corpus needs at least one pair (got {})", pairs);
}

int SamplePairSource::map_symbol(int s) {
  // 7 is coprime with 20, so this is a permutation; the offset makes no symbol map to its
  // own letter, so copying the input never scores.
  return (7 * s + 3) % kSymbols;
}

std::string SamplePairSource::where(int64_t line) const { return fmt::format("sample pair {}", line); }

bool SamplePairSource::next(TextPair& pair) {
  if (index_ >= pairs_) return false;
  Rng rng = Rng::derive(seed_, 0x5a3b1eULL, static_cast<uint64_t>(index_));
  const int length = kMinLength + static_cast<int>(rng.below(kMaxLength - kMinLength + 1));
  std::vector<int> symbols(static_cast<size_t>(length));
  for (int& s : symbols) s = static_cast<int>(rng.below(kSymbols));
  source_.clear();
  target_.clear();
  for (int i = 0; i < length; ++i) {
    if (i) source_ += ' ';
    source_ += static_cast<char>('a' + symbols[static_cast<size_t>(i)]);
  }
  for (int i = length - 1; i >= 0; --i) {
    if (i != length - 1) target_ += ' ';
    target_ += static_cast<char>('A' + map_symbol(symbols[static_cast<size_t>(i)]));
  }
  ++index_;
  pair.source = source_;
  pair.target = target_;
  pair.line = index_;
  return true;
}

}  // namespace s2s
