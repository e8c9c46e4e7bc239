#include "data/CorpusReader.h"

#include <sys/stat.h>

#include <algorithm>

#include "core/Check.h"
#include "core/Log.h"
#include "data/BucketSampler.h"
#include "data/ExampleStore.h"
#include "data/Prefetcher.h"
#include "data/Sha256.h"
#include "data/ShardReader.h"

namespace s2s {
namespace {

const Log log("data");

Vocab load_vocab(const std::string& dir, const SideEntry& side, const char* name) {
  const std::string path = dir + "/" + side.vocab_file;
  Vocab vocab = Vocab::load(path);
  S2S_CHECK(vocab.hash() == side.vocab_hash && vocab.size() == side.vocab_size,
            "{} vocabulary {} (hash {}, {} entries) does not match the manifest (hash {}, {} entries): the "
            "directory mixes files of different prep runs; re-run s2s prep",
            name, path, vocab.hash().substr(0, 12), vocab.size(), side.vocab_hash.substr(0, 12), side.vocab_size);
  return vocab;
}

// The shard's own header must agree with the manifest and the vocabularies.
void check_header(const ShardReader& reader, const ShardEntry& entry, const std::string& split, int64_t index,
                  const Manifest& manifest, const Vocab& src, const Vocab& tgt) {
  const ShardHeader& h = reader.header();
  const std::string& path = reader.path();
  S2S_CHECK(h.split == split && h.shard_index == index && h.num_examples == entry.examples &&
                h.first_example_id == entry.first_example_id,
            "{} does not match manifest.json (it says split '{}', shard {}, {} pairs from id {}; the manifest: "
            "'{}', {}, {}, {}): the directory mixes files of different prep runs; re-run s2s prep",
            path, h.split, h.shard_index, h.num_examples, h.first_example_id, split, index, entry.examples,
            entry.first_example_id);
  S2S_CHECK(h.src_vocab_hash == src.hash(),
            "vocabulary mismatch: {} was written with a source vocabulary of hash {} ({} entries), but {} has "
            "hash {} ({} entries): re-run s2s prep",
            path, h.src_vocab_hash.substr(0, 12), h.src_vocab_size, manifest.source.vocab_file,
            src.hash().substr(0, 12), src.size());
  S2S_CHECK(h.tgt_vocab_hash == tgt.hash(),
            "vocabulary mismatch: {} was written with a target vocabulary of hash {} ({} entries), but {} has "
            "hash {} ({} entries): re-run s2s prep",
            path, h.tgt_vocab_hash.substr(0, 12), h.tgt_vocab_size, manifest.target.vocab_file,
            tgt.hash().substr(0, 12), tgt.size());
  S2S_CHECK(h.src_tokenizer == manifest.source.tokenizer && h.tgt_tokenizer == manifest.target.tokenizer,
            "{} was tokenized with {}/{}, the manifest says {}/{}: re-run s2s prep", path, h.src_tokenizer,
            h.tgt_tokenizer, manifest.source.tokenizer, manifest.target.tokenizer);
}

DataOptions in_fixed_order(DataOptions options) {
  options.shuffle = false;
  return options;
}

}  // namespace

CorpusReader::CorpusReader(const DataOptions& options, const std::string& split, int rank, int world_size,
                           uint64_t seed)
    : CorpusReader(options, split, rank, world_size, seed, std::nullopt) {}

CorpusReader::CorpusReader(const DataOptions& options, const std::string& split, WholeSplit whole)
    : CorpusReader(in_fixed_order(options), split, 0, 1, 0, whole) {}

CorpusReader::CorpusReader(const DataOptions& options, const std::string& split, int rank, int world_size,
                           uint64_t seed, std::optional<WholeSplit> whole)
    : options_(options), split_(split), rank_(rank), world_size_(world_size), seed_(seed) {
  S2S_CHECK(world_size >= 1 && rank >= 0 && rank < world_size, "rank {} of {} is not a valid rank", rank,
            world_size);
  const std::string& dir = options.dir;
  manifest_ = Manifest::load(dir);
  const SplitEntry& entry = manifest_.split(split);
  source_vocab_ = load_vocab(dir, manifest_.source, "source");
  target_vocab_ = load_vocab(dir, manifest_.target, "target");

  const int64_t n = whole && whole->max_pairs > 0 ? std::min(entry.examples(), whole->max_pairs) : entry.examples();
  S2S_CHECK(n >= world_size,
            "split '{}' of {} has {} pairs but there are {} ranks: every rank needs at least one pair", split, dir,
            n, world_size);
  const auto [begin, end] = BucketSampler::rank_range(n, rank, world_size);

  // Every rank reads the lengths of the whole split (to plan every rank's batch count) and
  // checks each shard's header; it verifies the checksums of the shards it loads.
  std::vector<int32_t> src_lengths;
  std::vector<int32_t> tgt_lengths;
  src_lengths.reserve(static_cast<size_t>(n));
  tgt_lengths.reserve(static_cast<size_t>(n));
  int64_t expected_first = 0;
  for (size_t k = 0; k < entry.shards.size(); ++k) {
    const ShardEntry& shard = entry.shards[k];
    const std::string path = dir + "/" + shard.file;
    S2S_CHECK(shard.first_example_id == expected_first,
              "manifest.json of {} is inconsistent: shard {} starts at pair {}, expected {}; re-run s2s prep", dir,
              shard.file, shard.first_example_id, expected_first);
    expected_first += shard.examples;
    const bool owned = shard.first_example_id < end && shard.first_example_id + shard.examples > begin;
    if (owned && options.verify_checksums) {
      Manifest::verify_shard(dir, shard);
    } else {
      struct stat st {};
      S2S_CHECK(::stat(path.c_str(), &st) == 0, "shard {} listed in the manifest is missing: re-run s2s prep", path);
      S2S_CHECK(static_cast<int64_t>(st.st_size) == shard.bytes,
                "shard {} has {} bytes but the manifest says {}: the file is truncated or was replaced; re-run s2s "
                "prep (or copy the corpus again)",
                path, static_cast<int64_t>(st.st_size), shard.bytes);
    }
    const ShardReader reader(path);
    check_header(reader, shard, split, static_cast<int64_t>(k), manifest_, source_vocab_, target_vocab_);
    const std::vector<int32_t> s = reader.lengths(Side::kSource);
    const std::vector<int32_t> t = reader.lengths(Side::kTarget);
    src_lengths.insert(src_lengths.end(), s.begin(), s.end());
    tgt_lengths.insert(tgt_lengths.end(), t.begin(), t.end());
  }
  src_lengths.resize(static_cast<size_t>(n));  // the first max_pairs of a split scored in part
  tgt_lengths.resize(static_cast<size_t>(n));

  store_ = std::make_unique<ExampleStore>(dir, entry, begin, end, source_vocab_.size(), target_vocab_.size());
  for (int64_t id = begin; id < end; ++id)
    S2S_CHECK(store_->source_length(id) == src_lengths[static_cast<size_t>(id)] &&
                  store_->target_length(id) == tgt_lengths[static_cast<size_t>(id)],
              "corpus {} is corrupt: the lengths of pair {} disagree with its offsets; re-run s2s prep", dir, id);
  sampler_ = std::make_unique<BucketSampler>(std::move(src_lengths), std::move(tgt_lengths), options, world_size,
                                             seed, /*keep_all=*/whole.has_value());

  // The plan depends on the corpus, the batching options and the world size: a cursor
  // saved under different ones would not resume the same sequence.
  Sha256 fp;
  fp.update(split);
  for (const auto& shard : entry.shards) fp.update(shard.sha256);
  fp.update(fmt::format("|{}|{}|{}|{}|{}|{}|{}|{}", options.max_tokens, options.max_sentences,
                        options.max_source_length, options.max_target_length, options.bucket_width, options.shuffle,
                        options.align_ranks, world_size));
  fingerprint_ = std::stoull(fp.hex_digest().substr(0, 16), nullptr, 16);

  stats_.split_examples = n;
  stats_.rank_examples = end - begin;
  stats_.rank_kept = sampler_->kept(rank);
  stats_.dropped_too_long = sampler_->dropped_too_long();
  stats_.dropped_over_budget = sampler_->dropped_over_budget();
  if (whole)
    log.info("{} split of {}: scoring {} of its {} pairs in fixed order, {} batches", split, dir, n,
             entry.examples(), batches_in_epoch());
  else
    log.info("{} split of {}: {} pairs in {} shard{}; rank {} of {} owns pairs {}..{}", split, dir, n,
             entry.shards.size(), entry.shards.size() == 1 ? "" : "s", rank, world_size, begin, end - 1);
  if (stats_.dropped_too_long + stats_.dropped_over_budget > 0)
    log.warn("{} split: dropped {} pairs longer than max_source_length={}/max_target_length={} and {} longer "
             "than max_tokens={} on their own",
             split, stats_.dropped_too_long, options.max_source_length, options.max_target_length,
             stats_.dropped_over_budget, options.max_tokens);
}

CorpusReader::~CorpusReader() = default;

int64_t CorpusReader::batches_in_epoch() const { return sampler_->batches_in_epoch(epoch_); }

void CorpusReader::start_epoch() {
  prefetcher_.reset();
  plan_ = std::make_shared<const std::vector<PlannedBatch>>(sampler_->plan(epoch_, rank_));
  S2S_CHECK(position_ <= static_cast<int64_t>(plan_->size()),
            "data reader cursor position {} is past the end of epoch {} ({} batches)", position_, epoch_,
            plan_->size());
  auto plan = plan_;
  const ExampleStore* store = store_.get();
  prefetcher_ = std::make_unique<Prefetcher>(
      [plan, store](int64_t index) { return store->make_batch((*plan)[static_cast<size_t>(index)]); }, position_,
      static_cast<int64_t>(plan_->size()), options_.prefetch_batches);
}

std::optional<Batch> CorpusReader::next() {
  if (!prefetcher_) start_epoch();
  std::optional<Batch> batch = prefetcher_->next();
  if (!batch) {
    prefetcher_.reset();
    plan_.reset();
    ++epoch_;
    position_ = 0;
    return std::nullopt;
  }
  ++position_;
  return batch;
}

ReaderCursor CorpusReader::cursor() const {
  ReaderCursor c;
  c.epoch = epoch_;
  c.position = position_;
  c.seed = seed_;
  c.plan_fingerprint = fingerprint_;
  return c;
}

void CorpusReader::restore(const ReaderCursor& cursor) {
  S2S_CHECK(cursor.seed == seed_,
            "the data reader cursor was saved with seed {} but this run uses seed {}: resume with the same "
            "run.seed",
            cursor.seed, seed_);
  S2S_CHECK(cursor.plan_fingerprint == fingerprint_,
            "the data reader cursor was saved for a different corpus, data options (max_tokens, lengths, "
            "bucket_width, shuffle) or number of ranks: resume with the same ones, or start a fresh epoch");
  S2S_CHECK(cursor.epoch >= 1 && cursor.position >= 0, "data reader cursor {} is malformed", cursor.to_string());
  prefetcher_.reset();
  plan_.reset();
  epoch_ = cursor.epoch;
  position_ = cursor.position;
  S2S_CHECK(position_ <= batches_in_epoch(),
            "data reader cursor position {} is past the end of epoch {} ({} batches)", position_, epoch_,
            batches_in_epoch());
}

}  // namespace s2s
