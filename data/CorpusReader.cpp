#include "data/CorpusReader.h"

#include <sys/stat.h>

#include <algorithm>

#include "core/Check.h"
#include "core/Log.h"
#include "data/BucketSampler.h"
#include "data/ExampleStore.h"
#include "data/GlobalBatchPlan.h"
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
  options.groups = 1;  // one reader's batches in one sequence; the Validator shares them out
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

  // Every rank reads the lengths of the whole split (to plan every group's batches) and
  // checks each shard's header and size; it verifies the checksums of the shards it loads.
  const int64_t n = whole && whole->max_pairs > 0 ? std::min(entry.examples(), whole->max_pairs) : entry.examples();
  src_lengths_.reserve(static_cast<size_t>(entry.examples()));
  tgt_lengths_.reserve(static_cast<size_t>(entry.examples()));
  int64_t expected_first = 0;
  for (size_t k = 0; k < entry.shards.size(); ++k) {
    const ShardEntry& shard = entry.shards[k];
    const std::string path = dir + "/" + shard.file;
    S2S_CHECK(shard.first_example_id == expected_first,
              "manifest.json of {} is inconsistent: shard {} starts at pair {}, expected {}; re-run s2s prep", dir,
              shard.file, shard.first_example_id, expected_first);
    expected_first += shard.examples;
    struct stat st {};
    S2S_CHECK(::stat(path.c_str(), &st) == 0, "shard {} listed in the manifest is missing: re-run s2s prep", path);
    S2S_CHECK(static_cast<int64_t>(st.st_size) == shard.bytes,
              "shard {} has {} bytes but the manifest says {}: the file is truncated or was replaced; re-run s2s "
              "prep (or copy the corpus again)",
              path, static_cast<int64_t>(st.st_size), shard.bytes);
    const ShardReader reader(path);
    check_header(reader, shard, split, static_cast<int64_t>(k), manifest_, source_vocab_, target_vocab_);
    const std::vector<int32_t> s = reader.lengths(Side::kSource);
    const std::vector<int32_t> t = reader.lengths(Side::kTarget);
    src_lengths_.insert(src_lengths_.end(), s.begin(), s.end());
    tgt_lengths_.insert(tgt_lengths_.end(), t.begin(), t.end());
  }
  src_lengths_.resize(static_cast<size_t>(n));  // the first max_pairs of a split scored in part
  tgt_lengths_.resize(static_cast<size_t>(n));
  keep_all_ = whole.has_value();
  verified_.assign(entry.shards.size(), !options.verify_checksums);
  plan_groups(options.groups > 0 ? options.groups : world_size);
  // Load (and verify) what this rank reads in the first epoch, so that a bad shard is named
  // at start-up and the first epoch does not load again. An epoch that needs more (a resume
  // with other groups, or a later epoch's pieces when the world size does not divide the
  // groups) loads it when it starts.
  const auto [first, last] = GlobalBatchPlan(*sampler_, 1).span(rank, world_size);
  load_span(first, last);

  stats_.split_examples = n;
  stats_.dropped_too_long = sampler_->dropped_too_long();
  stats_.dropped_over_budget = sampler_->dropped_over_budget();
  if (whole)
    log.info("{} split of {}: scoring {} of its {} pairs in fixed order, {} batches", split, dir, n,
             entry.examples(), batches_in_epoch());
  else
    log.info("{} split of {}: {} pairs in {} shard{}, planned in {} batch group{}; rank {} of {}", split, dir, n,
             entry.shards.size(), entry.shards.size() == 1 ? "" : "s", groups_, groups_ == 1 ? "" : "s", rank,
             world_size);
  if (stats_.dropped_too_long + stats_.dropped_over_budget > 0)
    log.warn("{} split: dropped {} pairs longer than max_source_length={}/max_target_length={} and {} longer "
             "than max_tokens={} on their own",
             split, stats_.dropped_too_long, options.max_source_length, options.max_target_length,
             stats_.dropped_over_budget, options.max_tokens);
}

CorpusReader::~CorpusReader() = default;

void CorpusReader::plan_groups(int groups) {
  prefetcher_.reset();
  plan_.reset();
  const int64_t n = static_cast<int64_t>(src_lengths_.size());
  S2S_CHECK(n >= groups,
            "split '{}' of {} has {} pairs but the run plans {} batch groups (data.groups; 0 means one per "
            "rank): every group needs at least one pair; use fewer groups or ranks",
            split_, options_.dir, n, groups);
  groups_ = groups;
  sampler_ = std::make_unique<BucketSampler>(src_lengths_, tgt_lengths_, options_, groups, seed_, keep_all_);
  // The plan depends on the corpus, the batching options and the groups (not on the world
  // size): a cursor saved under different ones would not resume the same sequence. (With
  // groups = world size this is the fingerprint of version 1 cursors, which hashed that.)
  const SplitEntry& entry = manifest_.split(split_);
  Sha256 fp;
  fp.update(split_);
  for (const auto& shard : entry.shards) fp.update(shard.sha256);
  fp.update(fmt::format("|{}|{}|{}|{}|{}|{}|{}|{}", options_.max_tokens, options_.max_sentences,
                        options_.max_source_length, options_.max_target_length, options_.bucket_width,
                        options_.shuffle, options_.align_ranks, groups));
  fingerprint_ = std::stoull(fp.hex_digest().substr(0, 16), nullptr, 16);
}

void CorpusReader::load_span(int64_t first, int64_t last) {
  if (store_ && store_->contains(first) && store_->contains(last)) return;
  // Load whole groups, so that the next epoch's span (which moves a little when the world
  // size does not divide the groups) is usually covered already.
  const int64_t n = static_cast<int64_t>(src_lengths_.size());
  const auto group_of = [&](int64_t id) {
    int lo = 0, hi = groups_ - 1;  // the group whose range holds id
    while (lo < hi) {
      const int mid = (lo + hi + 1) / 2;
      if (BucketSampler::group_range(n, mid, groups_).first <= id) lo = mid; else hi = mid - 1;
    }
    return lo;
  };
  const int64_t begin = BucketSampler::group_range(n, group_of(first), groups_).first;
  const int64_t end = BucketSampler::group_range(n, group_of(last), groups_).second;
  const SplitEntry& entry = manifest_.split(split_);
  for (size_t k = 0; k < entry.shards.size(); ++k) {
    const ShardEntry& shard = entry.shards[k];
    const bool overlaps = shard.first_example_id < end && shard.first_example_id + shard.examples > begin;
    if (overlaps && !verified_[k]) {
      Manifest::verify_shard(options_.dir, shard);
      verified_[k] = true;
    }
  }
  prefetcher_.reset();  // it may still hold the old store
  store_.reset();
  auto store = std::make_shared<ExampleStore>(options_.dir, entry, begin, end, source_vocab_.size(),
                                              target_vocab_.size());
  for (int64_t id = begin; id < end; ++id)
    S2S_CHECK(store->source_length(id) == src_lengths_[static_cast<size_t>(id)] &&
                  store->target_length(id) == tgt_lengths_[static_cast<size_t>(id)],
              "corpus {} is corrupt: the lengths of pair {} disagree with its offsets; re-run s2s prep",
              options_.dir, id);
  store_ = std::move(store);
  stats_.loaded_examples = end - begin;
  log.debug("{} split: rank {} of {} holds pairs {}..{}", split_, rank_, world_size_, begin, end - 1);
}

int64_t CorpusReader::batches_in_epoch() const { return sampler_->batches_in_epoch(epoch_); }

void CorpusReader::start_epoch() {
  prefetcher_.reset();
  auto plan = std::make_shared<const GlobalBatchPlan>(*sampler_, epoch_);
  S2S_CHECK(position_ <= plan->size(), "data reader cursor position {} is past the end of epoch {} ({} batches)",
            position_, epoch_, plan->size());
  const auto [first, last] = plan->span(rank_, world_size_);
  load_span(first, last);
  plan_ = plan;
  std::shared_ptr<const ExampleStore> store = store_;
  const int rank = rank_, world = world_size_;
  prefetcher_ = std::make_unique<Prefetcher>(
      [plan, store, rank, world, prepare = prepare_](int64_t index) {
        Prefetcher::Item share;
        for (const PlannedBatch& planned : plan->share(index, rank, world)) {
          share.push_back(store->make_batch(planned));
          if (prepare) prepare(share.back());
        }
        return share;
      },
      position_, plan->size(), options_.prefetch_batches);
}

void CorpusReader::set_preparer(Preparer prepare) {
  prefetcher_.reset();  // its batches were built without it: next() starts again at position_
  prepare_ = std::move(prepare);
}

std::optional<std::vector<Batch>> CorpusReader::next() {
  if (!prefetcher_) start_epoch();
  std::optional<std::vector<Batch>> share = prefetcher_->next();
  if (!share) {
    prefetcher_.reset();
    plan_.reset();
    ++epoch_;
    position_ = 0;
    return std::nullopt;
  }
  ++position_;
  return share;
}

ReaderCursor CorpusReader::cursor() const {
  ReaderCursor c;
  c.epoch = epoch_;
  c.position = position_;
  c.seed = seed_;
  c.groups = groups_;
  c.plan_fingerprint = fingerprint_;
  return c;
}

void CorpusReader::restore(ReaderCursor cursor, int writer_world_size) {
  S2S_CHECK(cursor.seed == seed_,
            "the data reader cursor was saved with seed {} but this run uses seed {}: resume with the same "
            "run.seed",
            cursor.seed, seed_);
  if (cursor.groups == 0) {
    S2S_CHECK(writer_world_size >= 1, "data reader cursor {} has no groups and no writer world size",
              cursor.to_string());
    cursor.groups = writer_world_size;  // version 1: one group per rank
  }
  if (cursor.groups != groups_) {
    S2S_CHECK(options_.groups == 0,
              "the checkpoint's run plans its batches in {} groups but data.groups={}: leave data.groups at 0 (or "
              "set it to {}) to resume it, or start a new run",
              cursor.groups, options_.groups, cursor.groups);
    plan_groups(static_cast<int>(cursor.groups));
  }
  S2S_CHECK(cursor.plan_fingerprint == fingerprint_,
            "the data reader cursor was saved for a different corpus or data options (max_tokens, max_sentences, "
            "lengths, bucket_width, shuffle, align_ranks): resume with the same ones, or start a new run");
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
