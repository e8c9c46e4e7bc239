#pragma once
// The `data:` section of the config: how training reads a corpus directory written by
// `s2s prep`. (prep itself is configured by command-line flags.) The shuffle seed is the
// run's seed (run.seed); the rank and world size come from MPI.
#include <string>

#include "core/FieldRule.h"

namespace s2s {

struct DataOptions {
  // Each key's doc, default and accepted values: fields() below (the one place they are written).
  std::string dir = "data/sample";
  int max_tokens = 4096;
  int groups = 0;
  int max_sentences = 0;
  int max_source_length = 250;
  int max_target_length = 250;
  int bucket_width = 1;
  bool shuffle = true;
  bool align_ranks = true;
  int prefetch_batches = 16;
  bool verify_checksums = true;

  template <class V>
  void fields(V& v) {
    v("dir", dir, "corpus directory written by `s2s prep` (holds manifest.json)", non_empty());
    v("max_tokens", max_tokens,
      "token budget of one group's batch (one rank's, when there is a rank per group): pairs x longest side "
      "(with </s>, padding included) stays within it; an update takes `groups` such batches",
      at_least(1));
    v("groups", groups,
      "batch groups of a global batch, fixed for the run so that its updates do not depend on the number of "
      "ranks (a resume on other ranks takes the same batches); 0: the number of ranks of the run's first "
      "start, then what its checkpoints say",
      at_least(0));
    v("max_sentences", max_sentences, "most pairs in one batch (0: limited by max_tokens only)", at_least(0));
    v("max_source_length", max_source_length,
      "pairs whose source has more tokens than this (not counting </s>) are dropped and counted", at_least(1));
    v("max_target_length", max_target_length,
      "pairs whose target has more tokens than this (not counting </s>) are dropped and counted", at_least(1));
    v("bucket_width", bucket_width,
      "pairs are sorted by length rounded down to this width before batching: 1 pads least, larger "
      "widths mix lengths more",
      at_least(1));
    v("shuffle", shuffle, "shuffle pairs and batch order every epoch (from run.seed and the epoch)", any());
    v("align_ranks", align_ranks,
      "with shuffle: every rank ranks its batches by cost (longest source + target, then size) and all ranks "
      "apply one shared shuffle, so the batches of one step have similar lengths and no rank waits long for "
      "a slower one",
      any());
    v("prefetch_batches", prefetch_batches,
      "batches a background thread prepares ahead of training (0: prepare each on demand)", between(0, 4096));
    v("verify_checksums", verify_checksums,
      "check the SHA-256 of every shard a rank loads against manifest.json (one extra read of the file)", any());
  }
};

}  // namespace s2s
