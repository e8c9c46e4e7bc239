#pragma once
// What `s2s inspect CORPUS_DIR` shows: the manifest in words (pairs, tokens, tokenizers,
// vocabulary sizes), a length histogram per split, a few decoded pairs, and a verification
// of every shard (size, SHA-256, header against manifest and vocabularies).
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "data/Manifest.h"
#include "data/Vocab.h"

namespace s2s {

struct LengthHistogram {
  int64_t bin_width = 1;
  std::vector<int64_t> source;  // source[i]: pairs whose source has [i*w, (i+1)*w) tokens
  std::vector<int64_t> target;
  int64_t max_source = 0;
  int64_t max_target = 0;
};

class CorpusInspector {
 public:
  // Loads the manifest and vocabularies; throws s2s::Error when they are missing or broken.
  explicit CorpusInspector(std::string dir);

  const Manifest& manifest() const { return manifest_; }

  void print_summary(std::ostream& out) const;
  LengthHistogram histogram(const std::string& split, int max_bins = 16) const;
  void print_histogram(std::ostream& out, const std::string& split) const;
  // The first `count` pairs of `split`, decoded back to text.
  std::vector<std::pair<std::string, std::string>> decoded_pairs(const std::string& split, int64_t count) const;
  void print_pairs(std::ostream& out, const std::string& split, int64_t count) const;
  // Checks every shard; prints one line per shard and returns the number of bad ones.
  int verify(std::ostream& out) const;

 private:
  std::string dir_;
  Manifest manifest_;
  Vocab source_vocab_;
  Vocab target_vocab_;
};

}  // namespace s2s
