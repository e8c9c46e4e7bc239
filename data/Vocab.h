#pragma once
// Maps pieces to ids and back. Ids 0-3 are fixed specials whatever the corpus:
//   <pad>=0 (padding; the loss ignores it), <unk>=1, <s>=2 (first decoder input),
//   </s>=3 (end of every sequence)
// (data/TokenIds.h: kPadId, kUnkId, kBosId, kEosId). The remaining ids go to
// pieces by decreasing count (ties: byte order), so a vocabulary is a pure function of the
// counts and limits. Stored as JSON beside the shards (see data/FORMAT.md); its hash is
// recorded in every shard and checked when a corpus is read.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/TokenIds.h"

namespace s2s {

class Vocab {
 public:
  static constexpr int kFormatVersion = 1;
  static const std::vector<std::string>& special_tokens();  // "<pad>", "<unk>", "<s>", "</s>"

  Vocab();  // the four specials only

  // Keeps pieces seen at least `min_count` times, most frequent first, up to `max_size`
  // entries in all, specials included (0: no limit).
  static Vocab from_counts(const std::unordered_map<std::string, int64_t>& counts, int64_t min_count,
                           int64_t max_size);
  // Reads a vocabulary file; throws s2s::Error naming the file when it is missing,
  // malformed, of another format version, or edited since it was written.
  static Vocab load(const std::string& path);
  void save(const std::string& path) const;

  int32_t size() const { return static_cast<int32_t>(tokens_.size()); }
  // <unk> for a piece not in the vocabulary and for text spelled like a special, so that
  // input text can never produce <pad>, <s> or </s>.
  int32_t id(const std::string& piece) const;
  const std::string& token(int32_t id) const;
  int64_t count(int32_t id) const { return counts_.at(static_cast<size_t>(id)); }
  // SHA-256 (hex) of the token list: equal hashes, equal id assignments.
  const std::string& hash() const { return hash_; }

  void encode(const std::vector<std::string>& pieces, std::vector<int32_t>& ids) const;
  // Pieces of `ids`, leaving out <pad>, <s> and </s> (<unk> stays as "<unk>").
  std::vector<std::string> pieces(const int64_t* ids, size_t count) const;
  std::vector<std::string> pieces(const int32_t* ids, size_t count) const;

 private:
  void add(const std::string& token, int64_t count);
  void finish();  // computes the hash

  std::vector<std::string> tokens_;
  std::vector<int64_t> counts_;
  std::unordered_map<std::string, int32_t> index_;
  std::string hash_;
};

}  // namespace s2s
