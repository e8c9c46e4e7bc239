#pragma once
// The pairs one rank owns, in memory: ids back to back (int32) with offsets, read once from
// the shards that overlap the rank's range. Assembling a batch is then a few copies, cheap
// enough for the prefetch thread to stay far ahead of training, and no HDF5 call happens
// after construction (HDF5 is not thread-safe here). Memory: about 4 bytes per token of the
// rank's share of the corpus, both sides.
#include <cstdint>
#include <string>
#include <vector>

#include "data/Batch.h"
#include "data/BucketSampler.h"
#include "data/Manifest.h"
#include "data/ShardHeader.h"

namespace s2s {

class ExampleStore {
 public:
  // Loads global ids [begin, end) of `split` from the shards under `dir`, checking every id
  // against the vocabulary sizes.
  ExampleStore(const std::string& dir, const SplitEntry& split, int64_t begin, int64_t end, int64_t src_vocab_size,
               int64_t tgt_vocab_size);

  int64_t begin() const { return begin_; }
  int64_t end() const { return end_; }
  bool contains(int64_t id) const { return id >= begin_ && id < end_; }

  // Ids of one example, without </s>.
  std::vector<int32_t> source(int64_t id) const;
  std::vector<int32_t> target(int64_t id) const;
  int64_t source_length(int64_t id) const { return length(source_, id); }
  int64_t target_length(int64_t id) const { return length(target_, id); }

  // The padded batch of `planned` (see Batch.h for the layout).
  Batch make_batch(const PlannedBatch& planned) const;

 private:
  struct SideData {
    std::vector<int32_t> tokens;
    std::vector<int64_t> offsets{0};  // local example i is tokens[offsets[i], offsets[i+1])
  };
  void load(const std::string& dir, const SplitEntry& split, Side side, int64_t vocab_size);
  std::vector<int32_t> slice(const SideData& s, int64_t id) const;
  int64_t length(const SideData& s, int64_t id) const {
    const auto i = static_cast<size_t>(id - begin_);
    return s.offsets[i + 1] - s.offsets[i];
  }

  int64_t begin_;
  int64_t end_;
  SideData source_;
  SideData target_;
};

}  // namespace s2s
