#pragma once
// manifest.json, the table of contents of a corpus directory: which shards each split has
// (with example and token counts, sizes and SHA-256 checksums), how each side was
// tokenized, and which vocabulary files (with hashes) the ids index. `s2s prep` writes it
// last, so a directory without one is not a corpus. See data/FORMAT.md.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace s2s {

struct ShardEntry {
  std::string file;  // relative to the corpus directory
  int64_t examples = 0;
  int64_t first_example_id = 0;
  int64_t src_tokens = 0;
  int64_t tgt_tokens = 0;
  int64_t bytes = 0;
  std::string sha256;
};

struct SplitEntry {
  std::vector<ShardEntry> shards;
  int64_t examples() const;
  int64_t src_tokens() const;
  int64_t tgt_tokens() const;
};

struct SideEntry {
  std::string tokenizer;        // "char", "space" or "sentencepiece"
  std::string tokenizer_model;  // SentencePiece model file, relative; "" otherwise
  std::string vocab_file;       // relative to the corpus directory
  int64_t vocab_size = 0;
  std::string vocab_hash;
};

class Manifest {
 public:
  static constexpr int kFormatVersion = 1;
  static constexpr const char* kFileName = "manifest.json";

  std::string created_by;  // "s2s 0.1.0"
  std::string input;       // what prep read, for the record
  uint64_t seed = 0;
  SideEntry source;
  SideEntry target;
  std::map<std::string, SplitEntry> splits;  // "train", "valid"
  std::string test_tsv;                      // held-out test pairs as TSV; "" when none
  std::map<std::string, int64_t> prep_counts;  // pairs read, skipped, held out, ...

  // Reads <dir>/manifest.json; throws s2s::Error naming the file on any problem.
  static Manifest load(const std::string& dir);
  void save(const std::string& dir) const;

  bool has_split(const std::string& name) const { return splits.count(name) > 0; }
  // Throws a clear error when the corpus has no such split.
  const SplitEntry& split(const std::string& name) const;

  // Checks a shard's size and SHA-256 against its entry; throws naming the file.
  static void verify_shard(const std::string& dir, const ShardEntry& shard);
};

}  // namespace s2s
