#pragma once
// Random batches for `s2s bench`, drawn exactly as bench/torch_reference.py draws them (its
// header is the spec: one SplitMix64 stream seeded with the seed; per batch the source
// lengths, the target lengths, the source ids, the target ids; row 0 always the longest),
// so both sides of bench/side_by_side.sh time the very same batches.
#include <cstdint>

#include "data/Batch.h"
#include "data/Rng.h"

namespace s2s {

struct SyntheticBatchOptions {
  int64_t vocab = 64;      // V, source and target; ids 4..V-1 are drawn
  int64_t rows = 64;       // B, pairs per batch
  int64_t src_len = 10;    // S: longest source, tokens with </s>
  int64_t tgt_len = 10;    // T: longest target, decoder steps
  bool fixed_len = false;  // every row has lengths S and T (nothing drawn for lengths)
  uint64_t seed = 1;
};

class SyntheticBatches {
 public:
  // Throws s2s::Error naming the flag when a size is out of range (V >= 5, B, S, T >= 1).
  explicit SyntheticBatches(const SyntheticBatchOptions& options);

  // The next batch of the stream: (B, S) src and (B, T) tgt_in / tgt_out, padded with <pad>.
  Batch next();

 private:
  std::vector<int64_t> lengths(int64_t longest);
  int64_t uniform(int64_t lo, int64_t hi);  // both ends included, lo + next() % (hi - lo + 1)

  SyntheticBatchOptions options_;
  Rng rng_;
};

}  // namespace s2s
