#pragma once
// What the trainer reads: this rank's share of the run's global batches, epoch after epoch,
// from a corpus directory written by `s2s prep`.
//
//   s2s::CorpusReader reader(options.data, "train", rank, world_size, options.run.seed);
//   reader.restore(cursor_from_checkpoint);           // optional, from a run on any world size
//   while (auto share = reader.next()) { ... }         // one epoch; the next call starts the next
//   checkpoint.data_cursor = reader.cursor().to_string();
//
// The global batches are planned in data.groups groups (BucketSampler), independent of the
// world size, and each is split across the ranks (GlobalBatchPlan): a share is one or more
// micro-batches, each within data.max_tokens. Opening checks the corpus (manifest and
// vocabulary versions and hashes, every shard's header and size) and reads every pair's
// length; the pairs this rank's shares use are loaded into memory (checksums verified) when
// an epoch starts, which after a resume on another world size may be a different range.
// Every rank takes the same number of global batches per epoch.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/Batch.h"
#include "data/DataOptions.h"
#include "data/Manifest.h"
#include "data/ReaderCursor.h"
#include "data/Vocab.h"

namespace s2s {

class BucketSampler;
class ExampleStore;
class GlobalBatchPlan;
class Prefetcher;

struct ReaderStats {
  int64_t split_examples = 0;       // pairs in the split (all ranks)
  int64_t loaded_examples = 0;      // pairs this rank holds in memory now
  int64_t dropped_too_long = 0;     // all ranks: over max_source_length / max_target_length
  int64_t dropped_over_budget = 0;  // all ranks: longer than max_tokens on their own
};

class CorpusReader {
 public:
  // `split`: "train" or "valid". Throws s2s::Error (naming the file) on any problem.
  CorpusReader(const DataOptions& options, const std::string& split, int rank, int world_size, uint64_t seed);

  // For scoring a split (validation): all of it, or its first `max_pairs` pairs (by id; 0:
  // all), in one fixed order: not shuffled, no pair dropped for its length (one over
  // data.max_tokens is a batch of its own), the same batches in every epoch whatever the
  // number of ranks. The process loads all of them; ranks share the batches out (Validator).
  struct WholeSplit {
    int64_t max_pairs = 0;
  };
  CorpusReader(const DataOptions& options, const std::string& split, WholeSplit whole);
  ~CorpusReader();
  CorpusReader(const CorpusReader&) = delete;
  CorpusReader& operator=(const CorpusReader&) = delete;

  // This rank's micro-batches of the next global batch of the current epoch (at least one),
  // or nullopt when the epoch is over; the call after that starts the next epoch.
  std::optional<std::vector<Batch>> next();

  // Runs `prepare` on each batch where the batch is built: on the prefetch thread (or in
  // next() when the thread is behind), so the step does not wait for it. The trainer turns a
  // batch into its device tensors here (Batch::prepared). It must be safe to call from two
  // threads at once and must not call HDF5 (as Prefetcher's producer). Takes effect from the
  // next batch built (the batches prefetched so far are dropped and built again).
  using Preparer = std::function<void(Batch&)>;
  void set_preparer(Preparer prepare);

  // Where the reader is: the batch next() returns next. Same on every rank.
  ReaderCursor cursor() const;
  // Continues from `cursor` (from cursor() of a reader on the same corpus, options and seed,
  // on any number of ranks). The cursor's groups replace this reader's when data.groups is
  // 0; a version 1 cursor (groups 0) needs `writer_world_size`, the ranks that wrote it.
  // Throws s2s::Error when it does not fit.
  void restore(ReaderCursor cursor, int writer_world_size = 0);

  int64_t epoch() const { return epoch_; }
  int64_t batches_in_epoch() const;  // global batches of the current epoch
  int groups() const { return groups_; }
  int world_size() const { return world_size_; }

  const Vocab& source_vocab() const { return source_vocab_; }
  const Vocab& target_vocab() const { return target_vocab_; }
  const Manifest& manifest() const { return manifest_; }
  const ReaderStats& stats() const { return stats_; }

 private:
  // Both public constructors: `whole` set reads the split for scoring, as rank 0 of 1.
  CorpusReader(const DataOptions& options, const std::string& split, int rank, int world_size, uint64_t seed,
               std::optional<WholeSplit> whole);
  void plan_groups(int groups);  // the sampler and fingerprint for `groups`
  void load_span(int64_t first, int64_t last);  // makes the store hold pairs first..last
  void start_epoch();  // plans the current epoch and starts prefetching from position_

  DataOptions options_;
  std::string split_;
  int rank_;
  int world_size_;
  uint64_t seed_;
  Manifest manifest_;
  Vocab source_vocab_;
  Vocab target_vocab_;
  std::vector<int32_t> src_lengths_;  // of every pair of the split, without </s>
  std::vector<int32_t> tgt_lengths_;
  bool keep_all_ = false;  // a WholeSplit reader: no pair dropped for its length
  int groups_ = 0;
  std::unique_ptr<BucketSampler> sampler_;
  std::shared_ptr<const ExampleStore> store_;  // shared with the prefetch thread
  std::vector<bool> verified_;                  // per shard: checksum checked
  uint64_t fingerprint_ = 0;
  ReaderStats stats_;

  int64_t epoch_ = 1;
  int64_t position_ = 0;
  std::shared_ptr<const GlobalBatchPlan> plan_;  // of epoch_, null until needed
  std::unique_ptr<Prefetcher> prefetcher_;
  Preparer prepare_;  // empty: none
};

}  // namespace s2s
