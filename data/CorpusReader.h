#pragma once
// What the trainer reads: the batches of one rank, epoch after epoch, from a corpus
// directory written by `s2s prep`.
//
//   s2s::CorpusReader reader(options.data, "train", rank, world_size, options.run.seed);
//   reader.restore(cursor_from_checkpoint);          // optional
//   while (auto batch = reader.next()) { ... }        // one epoch; the next call starts the next
//   checkpoint.data_cursor = reader.cursor().to_string();
//
// Opening checks the corpus (manifest and vocabulary versions and hashes, every shard's
// header, the SHA-256 of the shards this rank loads) and loads the rank's pairs into memory.
// Every rank returns the same number of batches per epoch (see BucketSampler).
#include <cstdint>
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
class Prefetcher;
struct PlannedBatch;

struct ReaderStats {
  int64_t split_examples = 0;       // pairs in the split (all ranks)
  int64_t rank_examples = 0;        // pairs this rank owns before filtering
  int64_t rank_kept = 0;            // ... and after
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

  // The next batch of the current epoch, or nullopt when the epoch is over; the call after
  // that starts the next epoch.
  std::optional<Batch> next();

  // Where the reader is: the batch next() returns next. Same on every rank.
  ReaderCursor cursor() const;
  // Continues from `cursor` (from cursor() of a reader on the same corpus, options, seed
  // and world size); throws s2s::Error when it does not fit.
  void restore(const ReaderCursor& cursor);

  int64_t epoch() const { return epoch_; }
  int64_t batches_in_epoch() const;  // of the current epoch; same on every rank

  const Vocab& source_vocab() const { return source_vocab_; }
  const Vocab& target_vocab() const { return target_vocab_; }
  const Manifest& manifest() const { return manifest_; }
  const ReaderStats& stats() const { return stats_; }

 private:
  // Both public constructors: `whole` set reads the split for scoring, as rank 0 of 1.
  CorpusReader(const DataOptions& options, const std::string& split, int rank, int world_size, uint64_t seed,
               std::optional<WholeSplit> whole);
  void start_epoch();  // plans the current epoch and starts prefetching from position_

  DataOptions options_;
  std::string split_;
  int rank_;
  int world_size_;
  uint64_t seed_;
  Manifest manifest_;
  Vocab source_vocab_;
  Vocab target_vocab_;
  std::unique_ptr<BucketSampler> sampler_;
  std::unique_ptr<ExampleStore> store_;
  uint64_t fingerprint_ = 0;
  ReaderStats stats_;

  int64_t epoch_ = 1;
  int64_t position_ = 0;
  std::shared_ptr<const std::vector<PlannedBatch>> plan_;  // of epoch_, null until needed
  std::unique_ptr<Prefetcher> prefetcher_;
};

}  // namespace s2s
