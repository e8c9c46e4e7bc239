#pragma once
// Writes one split of a corpus (train or valid) as `count` examples over `num_shards` shard
// files named <prefix>-00000.h5, ..., shard k holding examples [k*count/num_shards,
// (k+1)*count/num_shards), and collects their manifest entries (sizes, token counts,
// SHA-256). Used by CorpusBuilder's encode stage.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/Manifest.h"
#include "data/ShardHeader.h"
#include "data/ShardWriter.h"

namespace s2s {

class SplitWriter {
 public:
  // `num_shards` must be in [1, count].
  SplitWriter(std::string dir, std::string prefix, std::string split, int64_t count, int64_t num_shards,
              ShardHeader header);

  // Appends one example (ids without specials); opens the next shard when one is full.
  void add(const std::vector<int32_t>& src, const std::vector<int32_t>& tgt);

  // Closes the last shard; every one of the `count` examples must have been added.
  SplitEntry finish();

 private:
  int64_t end_of(int64_t shard) const { return (shard + 1) * count_ / num_shards_; }
  void open_next();
  void close_current();

  std::string dir_;
  std::string prefix_;
  int64_t count_;
  int64_t num_shards_;
  ShardHeader header_;
  std::unique_ptr<ShardWriter> writer_;
  bool open_ = false;
  int64_t shard_ = 0;
  int64_t written_ = 0;
  std::string file_;
  SplitEntry entry_;
};

}  // namespace s2s
