#pragma once
// The pipeline of `s2s prep`: text pairs in, a corpus directory out (shards, vocabularies,
// manifest; see data/FORMAT.md). Three streaming passes over the input, so memory depends
// on the vocabulary, not on the corpus size:
//
//   1. scan    check every line (tabs, UTF-8, length), count the pairs, choose held-out pairs
//   2. vocab   train SentencePiece if asked (on a bounded sample), count pieces, build vocabularies
//   3. encode  tokenize, map to ids, write train shards, validation shard(s) and test.tsv
//
// Everything goes to a staging directory first (see StagingDir): a failure at any point
// leaves no directory that looks like a corpus.
#include <memory>
#include <string>

#include "data/Manifest.h"
#include "data/PairSource.h"
#include "data/PrepOptions.h"

namespace s2s {

class CorpusBuilder {
 public:
  explicit CorpusBuilder(PrepOptions options);

  // Builds options.output_dir from `train` (held-out splits come from it too) and, when
  // given, a separate validation source. Returns the manifest it wrote.
  Manifest build(PairSource& train, PairSource* valid = nullptr);

 private:
  PrepOptions options_;
};

}  // namespace s2s
