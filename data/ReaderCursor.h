#pragma once
// Where the run is in its stream of global batches: the checkpoint stores it, and restoring
// it yields exactly the global batches that were not yet taken. Plain data: the global
// batches of an epoch are a pure function of (seed, epoch, corpus, options, groups), so
// (epoch, position, seed, groups) is the whole random state, on any number of ranks; the
// fingerprint of the rest makes a resume with a different corpus or options an error
// instead of a silently different order. All ranks hold the same cursor.
//
// Version 1 (s2s before the groups existed) had no groups field: its plan was made with
// one group per rank, so groups = the world size that wrote it (the caller knows it).
#include <cstdint>
#include <string>

namespace s2s {

struct ReaderCursor {
  static constexpr int kFormatVersion = 2;

  int64_t epoch = 1;              // 1-based
  int64_t position = 0;           // global batches of this epoch already taken
  uint64_t seed = 0;              // shuffle seed (run.seed)
  int64_t groups = 0;             // batch groups of the plan (0: unknown, a version 1 cursor)
  uint64_t plan_fingerprint = 0;  // hash of corpus checksums, batching options and groups

  // "s2s-cursor/2 epoch=3 position=120 seed=1 groups=4 plan=0123456789abcdef"
  std::string to_string() const;
  // Parses to_string()'s output (or version 1's); throws s2s::Error on anything else.
  static ReaderCursor from_string(const std::string& text);

  bool operator==(const ReaderCursor& o) const {
    return epoch == o.epoch && position == o.position && seed == o.seed && groups == o.groups &&
           plan_fingerprint == o.plan_fingerprint;
  }
  bool operator!=(const ReaderCursor& o) const { return !(*this == o); }
};

}  // namespace s2s
