#pragma once
// How `s2s prep` turns text into a corpus directory. Set from command-line flags (like
// fairseq-preprocess), not from the YAML config: a corpus is built once, then trained on
// many times.
#include <cstdint>
#include <string>

namespace s2s {

// Tokenizer and vocabulary of one side.
struct SidePrepOptions {
  std::string tokenizer = "space";     // "char", "space" or "sentencepiece"
  std::string sentencepiece_model;     // an existing .model to use instead of training one
  std::string sentencepiece_type = "bpe";  // "bpe" or "unigram", when training
  int vocab_size = 8000;               // SentencePiece pieces to train
  int64_t min_count = 1;               // pieces seen fewer times become <unk>
  int64_t max_vocab = 0;               // entries including the 4 specials; 0 = no limit
};

struct PrepOptions {
  std::string output_dir;
  bool force = false;        // replace an existing output directory
  uint64_t seed = 1;         // hold-out choice and SentencePiece sampling
  SidePrepOptions source;
  SidePrepOptions target;
  int64_t sentencepiece_sentences = 1000000;  // sentences SentencePiece trains on (bounds memory)
  int64_t valid_count = 0;   // pairs held out for validation...
  double valid_fraction = 0; // ...or this fraction of them (not both)
  int64_t test_count = 0;    // pairs held out as test.tsv...
  double test_fraction = 0;  // ...or this fraction
  int shards = 0;            // training shards; 0 = one per pairs_per_shard pairs
  int64_t pairs_per_shard = 1000000;
  int64_t max_line_bytes = 1 << 20;  // longer input lines are an error
  bool progress = true;      // progress bars on stderr
};

}  // namespace s2s
