#include "data/CorpusReader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <any>
#include <atomic>
#include <chrono>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "tests/data/DataTestSupport.h"
#include "data/SamplePairSource.h"
#include "data/Tokenizer.h"

namespace s2s {
namespace {

using test::ScratchDir;

DataOptions reader_options(const std::string& dir, int max_tokens = 200) {
  DataOptions o;
  o.dir = dir;
  o.max_tokens = max_tokens;
  o.prefetch_batches = 4;
  return o;
}

// The micro-batches of one epoch, in order (one per global batch when groups = ranks).
std::vector<Batch> read_epoch(CorpusReader& r) {
  std::vector<Batch> out;
  while (auto share = r.next())
    for (Batch& b : *share) out.push_back(std::move(b));
  return out;
}

// The text of row `row` of a batch, decoded from src and tgt_out.
std::pair<std::string, std::string> decode_row(const Batch& b, int64_t row, const CorpusReader& r,
                                               const Tokenizer& src_tok, const Tokenizer& tgt_tok) {
  const int64_t* s = b.src.data() + row * b.src_len;
  const int64_t* t = b.tgt_out.data() + row * b.tgt_len;
  return {src_tok.decode(r.source_vocab().pieces(s, static_cast<size_t>(b.src_len))),
          tgt_tok.decode(r.target_vocab().pieces(t, static_cast<size_t>(b.tgt_len)))};
}

std::multiset<std::pair<std::string, std::string>> parse_tsv(const std::string& text) {
  std::multiset<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    const std::string line = text.substr(pos, nl - pos);
    const size_t tab = line.find('\t');
    out.emplace(line.substr(0, tab), line.substr(tab + 1));
    pos = nl + 1;
  }
  return out;
}

// Text -> shards -> batches (all ranks, train and valid) -> text gives back the input,
// for each tokenizer, with held-out test pairs making up the rest. (Every token occurs in
// many pairs: vocabularies come from the training pairs only, so a token seen only in a
// held-out pair would come back as <unk>.)
TEST(CorpusReader, RoundTripsTextThroughShardsAndBatches) {
  ScratchDir dir;
  std::string tsv;
  for (int i = 0; i < 300; ++i)
    tsv += "Grüße " + std::to_string(i % 17) + " aus Köln\tgreetings " + std::to_string(i % 13) + " from 東京 😀\n";
  for (const std::string tokenizer : {"char", "space", "sentencepiece"}) {
    PrepOptions o = test::quiet_options(dir / ("corpus-" + tokenizer));
    o.source.tokenizer = o.target.tokenizer = tokenizer;
    o.source.vocab_size = o.target.vocab_size = 60;
    o.valid_count = 20;
    o.test_count = 10;
    o.shards = 3;
    test::build_from_tsv(dir, tsv, o);
    const std::string corpus = o.output_dir;
    const auto model = [&](const char* side) {
      return tokenizer == "sentencepiece" ? corpus + "/spm." + side + ".model" : std::string();
    };
    const auto src_tok = make_tokenizer(tokenizer, model("src"));
    const auto tgt_tok = make_tokenizer(tokenizer, model("tgt"));

    std::multiset<std::pair<std::string, std::string>> seen = parse_tsv(test::read_file(corpus + "/test.tsv"));
    EXPECT_EQ(seen.size(), 10u);
    for (const std::string split : {"train", "valid"})
      for (int rank = 0; rank < 2; ++rank) {
        CorpusReader r(reader_options(corpus), split, rank, 2, 1);
        for (const Batch& b : read_epoch(r))
          for (int64_t row = 0; row < b.size; ++row) seen.insert(decode_row(b, row, r, *src_tok, *tgt_tok));
      }
    const auto expected = parse_tsv(tsv);
    std::vector<std::pair<std::string, std::string>> missing, extra;
    std::set_difference(expected.begin(), expected.end(), seen.begin(), seen.end(), std::back_inserter(missing));
    std::set_difference(seen.begin(), seen.end(), expected.begin(), expected.end(), std::back_inserter(extra));
    EXPECT_TRUE(missing.empty() && extra.empty())
        << tokenizer << ": " << missing.size() << " pairs missing, e.g. '"
        << (missing.empty() ? "" : missing[0].first + "' / '" + missing[0].second) << "'; " << extra.size()
        << " unexpected, e.g. '" << (extra.empty() ? "" : extra[0].first + "' / '" + extra[0].second) << "'";
  }
}

TEST(CorpusReader, BatchesHaveTheDocumentedLayout) {
  ScratchDir dir;
  test::build_from_tsv(dir, "a b c\tx y\nb\tz z z z\n", test::quiet_options(dir / "corpus"));
  CorpusReader r(reader_options(dir / "corpus", 1000), "train", 0, 1, 1);
  const auto batches = read_epoch(r);
  ASSERT_EQ(batches.size(), 1u);
  const Batch& b = batches[0];
  ASSERT_EQ(b.size, 2);
  EXPECT_EQ(b.src_len, 4);  // "a b c" + </s>
  EXPECT_EQ(b.tgt_len, 5);  // "z z z z" + </s>
  EXPECT_EQ(b.example_ids, (std::vector<int64_t>{0, 1}));  // longest source first
  const auto id = [&](const Vocab& v, const char* t) { return static_cast<int64_t>(v.id(t)); };
  const Vocab& sv = r.source_vocab();
  const Vocab& tv = r.target_vocab();
  EXPECT_EQ(b.src, (std::vector<int64_t>{id(sv, "a"), id(sv, "b"), id(sv, "c"), 3,  //
                                         id(sv, "b"), 3, 0, 0}));
  const int64_t x = id(tv, "x"), y = id(tv, "y"), z = id(tv, "z");
  EXPECT_EQ(b.tgt_in, (std::vector<int64_t>{2, x, y, 0, 0, 2, z, z, z, z}));
  EXPECT_EQ(b.tgt_out, (std::vector<int64_t>{x, y, 3, 0, 0, z, z, z, z, 3}));
  EXPECT_EQ(b.src_lengths, (std::vector<int64_t>{4, 2}));
  EXPECT_EQ(b.tgt_lengths, (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(b.src_tokens, 6);
  EXPECT_EQ(b.tgt_tokens, 8);
  EXPECT_FALSE(b.filler);
}

// A corpus of the sample task, built once for the tests below.
class SampleCorpus : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new ScratchDir();
    PrepOptions o = test::quiet_options(*scratch_ / "sample");
    o.shards = 3;
    o.valid_count = 200;
    SamplePairSource sample(3000, 1);
    CorpusBuilder(o).build(sample);
  }
  static void TearDownTestSuite() { delete scratch_; }
  static std::string corpus() { return *scratch_ / "sample"; }
  static ScratchDir* scratch_;
};
ScratchDir* SampleCorpus::scratch_ = nullptr;

std::vector<std::vector<int64_t>> ids_of(const std::vector<Batch>& batches) {
  std::vector<std::vector<int64_t>> out;
  for (const auto& b : batches) out.push_back(b.example_ids);
  return out;
}

TEST_F(SampleCorpus, EveryExampleOncePerEpochAcrossRanksAndEqualStepCounts) {
  for (int world : {1, 2, 4, 5}) {
    std::vector<int> seen(2800, 0);
    std::set<size_t> steps;
    for (int rank = 0; rank < world; ++rank) {
      CorpusReader r(reader_options(corpus()), "train", rank, world, 3);
      const auto batches = read_epoch(r);
      steps.insert(batches.size());
      for (const auto& b : batches) {
        EXPECT_LE(b.size * std::max(b.src_len, b.tgt_len), 200);  // the token budget
        if (!b.filler)
          for (int64_t id : b.example_ids) ++seen[static_cast<size_t>(id)];
      }
    }
    EXPECT_EQ(steps.size(), 1u) << "ranks ran different step counts, world " << world;
    for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], 1) << "example " << i << ", world " << world;
  }
}

TEST_F(SampleCorpus, SameSeedSameBatchesWithOrWithoutPrefetch) {
  DataOptions with = reader_options(corpus());
  DataOptions without = with;
  without.prefetch_batches = 0;
  CorpusReader a(with, "train", 1, 2, 9);
  CorpusReader b(without, "train", 1, 2, 9);
  CorpusReader c(with, "train", 1, 2, 10);
  const auto ea = read_epoch(a);
  EXPECT_EQ(ids_of(ea), ids_of(read_epoch(b)));
  EXPECT_NE(ids_of(ea), ids_of(read_epoch(c)));
  EXPECT_EQ(a.epoch(), 2);
  EXPECT_NE(ids_of(read_epoch(a)), ids_of(ea)) << "epoch 2 is shuffled differently";
  EXPECT_EQ(a.batches_in_epoch(), b.batches_in_epoch());
}

// The preparer (the trainer's: device tensors) runs once on every batch before next() returns
// it, off the caller's thread when the prefetch thread is ahead, and set in the middle of an
// epoch it changes nothing of the batch sequence.
TEST_F(SampleCorpus, APreparerRunsOnEveryBatchOnThePrefetchThread) {
  const DataOptions o = reader_options(corpus());
  CorpusReader plain(o, "train", 0, 2, 5), prepared(o, "train", 0, 2, 5);
  std::vector<Batch> expected = read_epoch(plain);
  ASSERT_GT(expected.size(), 10u);
  std::vector<Batch> got;
  const auto take_next = [&] {
    auto share = prepared.next();
    ASSERT_TRUE(share.has_value());
    for (Batch& b : *share) got.push_back(std::move(b));
  };
  for (int i = 0; i < 3; ++i) take_next();  // three batches before there is a preparer
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> off_caller{0};
  prepared.set_preparer([&](Batch& b) {
    if (std::this_thread::get_id() != caller) ++off_caller;
    b.prepared = std::vector<int64_t>(b.example_ids);  // what a layer above would derive from it
  });
  take_next();  // starts the thread again
  // The thread prepares the batches ahead while the caller does something else.
  for (int waited_ms = 0; off_caller.load() == 0 && waited_ms < 10000; waited_ms += 10)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GT(off_caller.load(), 0) << "the preparer never ran on the prefetch thread";
  for (Batch& b : read_epoch(prepared)) got.push_back(std::move(b));
  ASSERT_EQ(ids_of(got), ids_of(expected));
  for (size_t i = 0; i < got.size(); ++i) {
    if (i < 3) {
      EXPECT_FALSE(got[i].prepared.has_value()) << "batch " << i << " was built before the preparer was set";
      continue;
    }
    const auto* made = std::any_cast<std::vector<int64_t>>(&got[i].prepared);
    ASSERT_NE(made, nullptr) << "batch " << i << " was not prepared";
    EXPECT_EQ(*made, got[i].example_ids) << "batch " << i;
  }
}

TEST_F(SampleCorpus, RestoringACursorYieldsExactlyTheRemainingBatches) {
  const DataOptions o = reader_options(corpus());
  CorpusReader full(o, "train", 0, 2, 4);
  const auto epoch1 = read_epoch(full);
  const auto epoch2 = read_epoch(full);

  CorpusReader first(o, "train", 0, 2, 4);
  for (int i = 0; i < 7; ++i) first.next();
  const std::string saved = first.cursor().to_string();  // what a checkpoint stores

  CorpusReader resumed(o, "train", 0, 2, 4);
  resumed.restore(ReaderCursor::from_string(saved));
  EXPECT_EQ(resumed.cursor(), first.cursor());
  const auto rest = read_epoch(resumed);
  ASSERT_EQ(rest.size(), epoch1.size() - 7);
  for (size_t i = 0; i < rest.size(); ++i) {
    EXPECT_EQ(rest[i].example_ids, epoch1[i + 7].example_ids);
    EXPECT_EQ(rest[i].src, epoch1[i + 7].src);
    EXPECT_EQ(rest[i].tgt_out, epoch1[i + 7].tgt_out);
  }
  EXPECT_EQ(ids_of(read_epoch(resumed)), ids_of(epoch2));

  // A cursor at an epoch boundary resumes with the next epoch.
  CorpusReader boundary(o, "train", 0, 2, 4);
  boundary.restore(full.cursor());
  EXPECT_EQ(boundary.epoch(), 3);
}

// The pairs of each global batch of one epoch, from all `world` ranks' shares.
std::vector<std::multiset<int64_t>> global_batches(const DataOptions& o, int world, const ReaderCursor* from = nullptr,
                                                   int writers = 0) {
  std::vector<std::multiset<int64_t>> out;
  for (int rank = 0; rank < world; ++rank) {
    CorpusReader r(o, "train", rank, world, 4);
    if (from) r.restore(*from, writers);
    size_t k = 0;
    while (auto share = r.next()) {
      if (out.size() <= k) out.emplace_back();
      EXPECT_FALSE(share->empty());
      for (const Batch& b : *share)
        if (!b.filler) out[k].insert(b.example_ids.begin(), b.example_ids.end());
      ++k;
    }
  }
  return out;
}

TEST_F(SampleCorpus, TheGlobalBatchesDoNotDependOnTheNumberOfRanks) {
  DataOptions o = reader_options(corpus());
  o.groups = 4;
  const auto reference = global_batches(o, 4);
  for (int world : {1, 2, 3, 8}) EXPECT_EQ(global_batches(o, world), reference) << "world " << world;
}

TEST_F(SampleCorpus, ACursorResumesOnAnotherNumberOfRanksAtTheNextGlobalBatch) {
  const DataOptions o = reader_options(corpus());  // data.groups 0: the first start's world size
  const auto uninterrupted = global_batches(o, 4);
  CorpusReader writer(o, "train", 2, 4, 4);
  for (int i = 0; i < 9; ++i) writer.next();
  const ReaderCursor saved = ReaderCursor::from_string(writer.cursor().to_string());
  EXPECT_EQ(saved.groups, 4);
  const std::vector<std::multiset<int64_t>> rest(uninterrupted.begin() + 9, uninterrupted.end());
  for (int world : {1, 2, 3, 5}) EXPECT_EQ(global_batches(o, world, &saved), rest) << "world " << world;
  // A version 1 cursor (no groups) was planned with one group per writing rank.
  ReaderCursor v1 = saved;
  v1.groups = 0;
  EXPECT_EQ(global_batches(o, 2, &v1, 4), rest);

  // A cursor saved after the last global batch of an epoch (what a checkpoint then holds)
  // resumes, on any world size, with the next epoch's first batch: nothing is repeated.
  CorpusReader writer_at_end(o, "train", 0, 4, 4);
  const int64_t in_epoch = writer_at_end.batches_in_epoch();
  for (int64_t i = 0; i < in_epoch; ++i) ASSERT_TRUE(writer_at_end.next().has_value());
  const ReaderCursor at_end = ReaderCursor::from_string(writer_at_end.cursor().to_string());
  EXPECT_EQ(at_end.position, in_epoch);
  CorpusReader resumed(o, "train", 1, 2, 4);
  resumed.restore(at_end);
  EXPECT_FALSE(resumed.next().has_value()) << "epoch 1 is over";
  const auto first_of_epoch2 = resumed.next();
  ASSERT_TRUE(first_of_epoch2.has_value());
  EXPECT_EQ(resumed.epoch(), 2);
  CorpusReader reference(o, "train", 1, 2, 4);
  ReaderCursor epoch2 = at_end;
  epoch2.epoch = 2;
  epoch2.position = 0;
  reference.restore(epoch2);
  EXPECT_EQ(ids_of(*reference.next()), ids_of(*first_of_epoch2));
}

TEST_F(SampleCorpus, RefusesACursorFromAnotherSetup) {
  CorpusReader a(reader_options(corpus()), "train", 0, 2, 4);
  a.next();
  const ReaderCursor c = a.cursor();
  CorpusReader other_seed(reader_options(corpus()), "train", 0, 2, 5);
  test::expect_error([&] { other_seed.restore(c); }, {"seed 4", "seed 5"});
  DataOptions fixed_groups = reader_options(corpus());
  fixed_groups.groups = 3;
  CorpusReader other_groups(fixed_groups, "train", 0, 3, 4);
  test::expect_error([&] { other_groups.restore(c); }, {"2 groups", "data.groups=3"});
  CorpusReader other_budget(reader_options(corpus(), 300), "train", 0, 2, 4);
  test::expect_error([&] { other_budget.restore(c); }, {"max_tokens"});
}

TEST_F(SampleCorpus, ReadsTheValidationSplitAndReportsStats) {
  DataOptions o = reader_options(corpus());
  o.shuffle = false;
  CorpusReader r(o, "valid", 0, 1, 1);
  int64_t pairs = 0;
  for (const auto& b : read_epoch(r)) pairs += b.size;
  EXPECT_EQ(pairs, 200);
  EXPECT_EQ(r.stats().split_examples, 200);
  EXPECT_EQ(r.source_vocab().size(), 24);
}

TEST_F(SampleCorpus, CountsPairsDroppedForLength) {
  DataOptions o = reader_options(corpus());
  o.max_source_length = 10;
  CorpusReader r(o, "train", 0, 1, 1);
  EXPECT_GT(r.stats().dropped_too_long, 500);  // lengths are uniform in 3..15
  int64_t pairs = 0;
  for (const auto& b : read_epoch(r)) {
    pairs += b.size;
    EXPECT_LE(b.src_len, 11);
  }
  EXPECT_EQ(pairs + r.stats().dropped_too_long, 2800);
}

// ---- bad corpora ----------------------------------------------------------------------

class BadCorpus : public ::testing::Test {
 protected:
  void SetUp() override {
    PrepOptions o = test::quiet_options(dir_ / "corpus");
    o.shards = 2;
    test::build_from_tsv(dir_, test::make_tsv(2000), o);
  }
  std::string corpus() const { return dir_ / "corpus"; }
  void open(int rank = 0, int world = 1) const { CorpusReader r(reader_options(corpus()), "train", rank, world, 1); }
  ScratchDir dir_;
};

TEST_F(BadCorpus, MissingDirectoryOrManifest) {
  test::expect_error([&] { CorpusReader r(reader_options(dir_ / "nowhere"), "train", 0, 1, 1); },
                     {"nowhere", "does not exist", "s2s prep"});
  std::filesystem::remove(corpus() + "/manifest.json");
  test::expect_error([&] { open(); }, {"manifest.json", "re-run s2s prep"});
}

TEST_F(BadCorpus, AMissingSplitIsNamed) {
  test::expect_error([&] { CorpusReader r(reader_options(corpus()), "valid", 0, 1, 1); },
                     {"no 'valid' split", "--valid-count"});
}

TEST_F(BadCorpus, ATruncatedShard) {
  const std::string shard = corpus() + "/shard-00001.h5";
  const std::string bytes = test::read_file(shard);
  test::write_file(shard, bytes.substr(0, bytes.size() - 100));
  test::expect_error([&] { open(); }, {"shard-00001.h5", "truncated"});
}

TEST_F(BadCorpus, ACorruptShardFailsItsChecksum) {
  const std::string shard = corpus() + "/shard-00000.h5";
  std::string bytes = test::read_file(shard);
  bytes[bytes.size() / 2] ^= 0x5A;
  test::write_file(shard, bytes);
  test::expect_error([&] { open(); }, {"checksum mismatch", "shard-00000.h5"});
}

TEST_F(BadCorpus, ACorruptShardIsStillCaughtWithoutChecksums) {
  const std::string shard = corpus() + "/shard-00000.h5";
  std::string bytes = test::read_file(shard);
  for (size_t i = bytes.size() / 3; i < bytes.size(); i += 7) bytes[i] = static_cast<char>(0xFF);
  test::write_file(shard, bytes);
  DataOptions o = reader_options(corpus());
  o.verify_checksums = false;
  test::expect_error([&] { CorpusReader r(o, "train", 0, 1, 1); }, {"shard-00000.h5"});
}

TEST_F(BadCorpus, AVocabularyFromAnotherRun) {
  PrepOptions other = test::quiet_options(dir_ / "other");
  test::build_from_tsv(dir_, test::make_tsv(500, 99) + "new words\there too\n", other);
  std::filesystem::copy_file(dir_ / "other/vocab.src.json", corpus() + "/vocab.src.json",
                             std::filesystem::copy_options::overwrite_existing);
  test::expect_error([&] { open(); }, {"vocab.src.json", "does not match"});
}

// Rewrites the manifest's sizes and checksums to match the shards on disk, as if the
// shards had been produced by a consistent (but different) prep run.
void reseal_manifest(const ScratchDir& dir) {  // the corpus is <dir>/corpus
  const std::string out = test::run_python(R"(
import hashlib, json, os, sys
d = os.path.join(os.path.dirname(sys.argv[0]), 'corpus')
p = os.path.join(d, 'manifest.json')
m = json.load(open(p))
for split in m['splits'].values():
    for s in split['shards']:
        data = open(os.path.join(d, s['file']), 'rb').read()
        s['bytes'], s['sha256'] = len(data), hashlib.sha256(data).hexdigest()
json.dump(m, open(p, 'w'), indent=2)
print('ok')
)", dir.path());
  ASSERT_EQ(out, "ok\n");
}

TEST_F(BadCorpus, ShardsWrittenWithAnotherVocabulary) {
  PrepOptions other = test::quiet_options(dir_ / "other");
  other.shards = 2;
  test::build_from_tsv(dir_, test::make_tsv(2000) + "new words\there too\n", other);
  std::filesystem::copy_file(dir_ / "other/shard-00000.h5", corpus() + "/shard-00000.h5",
                             std::filesystem::copy_options::overwrite_existing);
  reseal_manifest(dir_);
  test::expect_error([&] { open(); }, {"vocabulary mismatch", "shard-00000.h5", "vocab.src.json"});
}

TEST_F(BadCorpus, AShardOfAnotherFormatVersion) {
  test::run_python(R"(
import h5py, sys, os
f = h5py.File(os.path.join(os.path.dirname(sys.argv[0]), 'corpus', 'shard-00000.h5'), 'r+')
f.attrs['format_version'] = 3
)", dir_.path());
  reseal_manifest(dir_);
  test::expect_error([&] { open(); }, {"shard-00000.h5", "format version 3", "reads version 1"});
}

TEST_F(BadCorpus, AManifestOfAnotherFormatVersion) {
  std::string m = test::read_file(corpus() + "/manifest.json");
  m.replace(m.find("\"format_version\": 1"), 19, "\"format_version\": 9");
  test::write_file(corpus() + "/manifest.json", m);
  test::expect_error([&] { open(); }, {"manifest.json", "format version 9", "reads version 1"});
}

TEST_F(BadCorpus, MoreRanksThanPairs) {
  test::expect_error([&] { open(0, 5000); }, {"2000 pairs", "5000 batch groups"});
}

}  // namespace
}  // namespace s2s
