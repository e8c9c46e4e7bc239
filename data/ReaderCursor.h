#pragma once
// Where a CorpusReader is in its stream of batches: the checkpoint stores it, and
// restoring it yields exactly the batches that were not yet returned. Plain data: the
// batch order of an epoch is a pure function of (seed, epoch, corpus, options, world size),
// so (epoch, position, seed) is the whole random state; the fingerprint of the rest makes
// a resume with a different corpus, options or world size an error instead of a silently
// different order. All ranks hold the same cursor (they run the same number of steps).
#include <cstdint>
#include <string>

namespace s2s {

struct ReaderCursor {
  static constexpr int kFormatVersion = 1;

  int64_t epoch = 1;             // 1-based
  int64_t position = 0;          // batches of this epoch already returned
  uint64_t seed = 0;             // shuffle seed (run.seed)
  uint64_t plan_fingerprint = 0;  // hash of corpus checksums, batching options and world size

  // "s2s-cursor/1 epoch=3 position=120 seed=1 plan=0123456789abcdef"
  std::string to_string() const;
  // Parses to_string()'s output; throws s2s::Error on anything else.
  static ReaderCursor from_string(const std::string& text);

  bool operator==(const ReaderCursor& o) const {
    return epoch == o.epoch && position == o.position && seed == o.seed && plan_fingerprint == o.plan_fingerprint;
  }
  bool operator!=(const ReaderCursor& o) const { return !(*this == o); }
};

}  // namespace s2s
