#pragma once
// The attributes on the root group of a shard (see data/FORMAT.md). They make a shard
// self-describing: which split and position it holds, how its text was tokenized, and which
// vocabularies its ids index (by hash), so that a reader can refuse a mismatched vocabulary.
#include <cstdint>
#include <string>

namespace s2s {

enum class Side { kSource, kTarget };

struct ShardHeader {
  static constexpr int kFormatVersion = 1;
  static constexpr const char* kFormat = "s2s-shard";

  std::string split;             // "train" or "valid"
  int64_t shard_index = 0;       // position among the split's shards
  int64_t num_shards = 1;        // shards in the split
  int64_t first_example_id = 0;  // global id of the shard's first example
  int64_t num_examples = 0;      // written by ShardWriter::close()
  int64_t src_tokens = 0;        // ids stored for the source side (no </s>)
  int64_t tgt_tokens = 0;
  std::string src_tokenizer;     // "char", "space" or "sentencepiece"
  std::string tgt_tokenizer;
  std::string src_vocab_hash;    // Vocab::hash() of the vocabulary the ids index
  std::string tgt_vocab_hash;
  int64_t src_vocab_size = 0;
  int64_t tgt_vocab_size = 0;
};

}  // namespace s2s
