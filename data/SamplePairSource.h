#pragma once
// The built-in sample task (`s2s prep --sample DIR`): reverse a sequence of symbols while
// mapping each symbol to its counterpart, e.g.
//
//   source: d a j j q        target: Q J J A D      (with the fixed mapping a->A, ...)
//
// Solving it needs attention: target position t depends on source position n-1-t, which
// a fixed-size encoding of long inputs does not carry well. 20 symbols per side and lengths
// 3..15 keep it small enough that a small model learns it in minutes on CPU, which is what
// the smoke test checks. Pair i is generated from (seed, i) alone, so every pass over the
// source sees the same pairs.
#include <cstdint>
#include <string>

#include "data/PairSource.h"

namespace s2s {

class SamplePairSource : public PairSource {
 public:
  static constexpr int kSymbols = 20;
  static constexpr int kMinLength = 3;
  static constexpr int kMaxLength = 15;
  // What `s2s prep --sample` writes unless told otherwise.
  static constexpr int64_t kDefaultPairs = 30000;
  static constexpr int64_t kDefaultHeldOut = 1000;  // validation pairs, and as many test pairs
  static constexpr int kDefaultShards = 4;

  SamplePairSource(int64_t pairs, uint64_t seed);

  bool next(TextPair& pair) override;
  void rewind() override { index_ = 0; }
  std::string name() const override { return "built-in sample task (reverse and map)"; }
  std::string where(int64_t line) const override;
  int64_t progress_total() const override { return pairs_; }
  int64_t progress_done() const override { return index_; }
  std::string progress_unit() const override { return "pairs"; }

  // The target symbol that source symbol `s` (0-based) maps to.
  static int map_symbol(int s);

 private:
  int64_t pairs_;
  uint64_t seed_;
  int64_t index_ = 0;
  std::string source_;
  std::string target_;
};

}  // namespace s2s
