#include "data/CorpusBuilder.h"

#include <gtest/gtest.h>

#include "tests/data/DataTestSupport.h"
#include "data/ParallelTextPairSource.h"
#include "data/SamplePairSource.h"
#include "data/ShardReader.h"
#include "data/Vocab.h"

namespace s2s {
namespace {

using test::ScratchDir;

TEST(CorpusBuilder, WritesShardsVocabulariesSplitsAndAManifest) {
  ScratchDir dir;
  PrepOptions o = test::quiet_options(dir / "corpus");
  o.valid_count = 50;
  o.test_count = 30;
  o.shards = 3;
  const Manifest m = test::build_from_tsv(dir, test::make_tsv(1000), o);

  EXPECT_EQ(test::list_dir(dir / "corpus"),
            (std::vector<std::string>{"manifest.json", "shard-00000.h5", "shard-00001.h5", "shard-00002.h5", "test.tsv",
                                      "valid-00000.h5", "vocab.src.json", "vocab.tgt.json"}));
  const SplitEntry& train = m.split("train");
  EXPECT_EQ(train.examples(), 920);
  ASSERT_EQ(train.shards.size(), 3u);
  EXPECT_EQ(train.shards[0].examples, 306);  // balanced: 920 = 306 + 307 + 307
  EXPECT_EQ(train.shards[1].first_example_id, 306);
  EXPECT_EQ(train.shards[2].examples, 307);
  EXPECT_EQ(m.split("valid").examples(), 50);
  EXPECT_EQ(m.test_tsv, "test.tsv");
  EXPECT_EQ(m.prep_counts.at("test"), 30);

  std::string test_tsv = test::read_file(dir / "corpus/test.tsv");
  EXPECT_EQ(std::count(test_tsv.begin(), test_tsv.end(), '\n'), 30);

  // The manifest on disk is what build() returned, and every shard agrees with it.
  const Manifest loaded = Manifest::load(dir / "corpus");
  EXPECT_EQ(loaded.source.vocab_hash, m.source.vocab_hash);
  for (const auto& shard : train.shards) {
    Manifest::verify_shard(dir / "corpus", shard);
    const ShardReader r(dir / "corpus/" + shard.file);
    EXPECT_EQ(r.num_examples(), shard.examples);
    EXPECT_EQ(r.header().src_vocab_hash, m.source.vocab_hash);
    EXPECT_EQ(r.header().num_shards, 3);
  }
  const Vocab src = Vocab::load(dir / "corpus/vocab.src.json");
  EXPECT_EQ(src.size(), 4 + 12);  // the 12 words of make_tsv
  EXPECT_EQ(src.hash(), m.source.vocab_hash);
}

TEST(CorpusBuilder, ChecksumsInTheManifestAgreeWithPythonHashlib) {
  ScratchDir dir;
  PrepOptions o = test::quiet_options(dir / "corpus");
  o.shards = 2;
  test::build_from_tsv(dir, test::make_tsv(300), o);
  const std::string out = test::run_python(R"(
import hashlib, json, os, sys
d = os.path.join(os.path.dirname(sys.argv[0]), 'corpus')
m = json.load(open(os.path.join(d, 'manifest.json')))
assert m['format'] == 's2s-corpus' and m['format_version'] == 1
for s in m['splits']['train']['shards']:
    data = open(os.path.join(d, s['file']), 'rb').read()
    assert hashlib.sha256(data).hexdigest() == s['sha256'] and len(data) == s['bytes'], s['file']
print('ok')
)", dir.path());
  EXPECT_EQ(out, "ok\n");
}

TEST(CorpusBuilder, SameSeedGivesIdenticalFilesAndAnotherSeedAnotherSplit) {
  ScratchDir dir;
  const std::string tsv = test::make_tsv(600);
  const auto build = [&](const std::string& name, uint64_t seed) {
    PrepOptions o = test::quiet_options(dir / name);
    o.seed = seed;
    o.valid_count = 40;
    o.test_count = 40;
    o.shards = 2;
    return test::build_from_tsv(dir, tsv, o);
  };
  const Manifest a = build("a", 7);
  const Manifest b = build("b", 7);
  const Manifest c = build("c", 8);
  for (size_t k = 0; k < 2; ++k)
    EXPECT_EQ(a.split("train").shards[k].sha256, b.split("train").shards[k].sha256) << "shard " << k;
  EXPECT_EQ(a.split("valid").shards[0].sha256, b.split("valid").shards[0].sha256);
  EXPECT_EQ(test::read_file(dir / "a/manifest.json"), test::read_file(dir / "b/manifest.json"));
  EXPECT_EQ(test::read_file(dir / "a/test.tsv"), test::read_file(dir / "b/test.tsv"));
  EXPECT_NE(test::read_file(dir / "a/test.tsv"), test::read_file(dir / "c/test.tsv"));
  EXPECT_NE(a.split("train").shards[0].sha256, c.split("train").shards[0].sha256);
}

TEST(CorpusBuilder, HoldsOutAFractionWhenAskedTo) {
  ScratchDir dir;
  PrepOptions o = test::quiet_options(dir / "corpus");
  o.valid_fraction = 0.1;
  o.test_fraction = 0.05;
  const Manifest m = test::build_from_tsv(dir, test::make_tsv(400), o);
  EXPECT_EQ(m.split("valid").examples(), 40);
  EXPECT_EQ(m.prep_counts.at("test"), 20);
  EXPECT_EQ(m.split("train").examples(), 340);
}

TEST(CorpusBuilder, AppliesMinCountAndMaxVocabularySize) {
  ScratchDir dir;
  PrepOptions o = test::quiet_options(dir / "corpus");
  o.source.min_count = 2;
  o.target.max_vocab = 6;
  const Manifest m = test::build_from_tsv(dir, "a a b\tx y z\nc a\tx x y\n", o);
  EXPECT_EQ(m.source.vocab_size, 4 + 1);  // only "a" is seen twice
  EXPECT_EQ(m.target.vocab_size, 6);      // x, y (z cut by the limit)
}

TEST(CorpusBuilder, SkipsAndCountsPairsWithAnEmptySide) {
  ScratchDir dir;
  const Manifest m = test::build_from_tsv(dir, "a\tb\n\tb\na\t  \nc\td\n", test::quiet_options(dir / "corpus"));
  EXPECT_EQ(m.split("train").examples(), 2);
  EXPECT_EQ(m.prep_counts.at("skipped_empty"), 2);
}

TEST(CorpusBuilder, ReadsTwoParallelFilesAndASeparateValidationInput) {
  ScratchDir dir;
  test::write_file(dir / "train.de", "eins zwei\ndrei\nvier\n");
  test::write_file(dir / "train.en", "one two\nthree\nfour\n");
  test::write_file(dir / "valid.tsv", "zwei\ttwo\n");
  ParallelTextPairSource train(dir / "train.de", dir / "train.en", 1 << 20);
  TsvPairSource valid(dir / "valid.tsv", 1 << 20);
  const Manifest m = CorpusBuilder(test::quiet_options(dir / "corpus")).build(train, &valid);
  EXPECT_EQ(m.split("train").examples(), 3);
  EXPECT_EQ(m.split("valid").examples(), 1);
  EXPECT_EQ(m.input, dir / "train.de + " + dir / "train.en");
}

TEST(CorpusBuilder, TrainsSentencePieceOnEachSide) {
  ScratchDir dir;
  PrepOptions o = test::quiet_options(dir / "corpus");
  o.source.tokenizer = o.target.tokenizer = "sentencepiece";
  o.source.vocab_size = 30;
  o.target.vocab_size = 40;
  o.target.sentencepiece_type = "unigram";
  const Manifest m = test::build_from_tsv(dir, test::make_tsv(500), o);
  EXPECT_TRUE(test::exists(dir / "corpus/spm.src.model"));
  EXPECT_TRUE(test::exists(dir / "corpus/spm.tgt.model"));
  EXPECT_EQ(m.source.tokenizer, "sentencepiece");
  EXPECT_EQ(m.source.tokenizer_model, "spm.src.model");
  EXPECT_LE(m.source.vocab_size, 4 + 30);
  EXPECT_GT(m.source.vocab_size, 10);
}

TEST(CorpusBuilder, UsesAGivenSentencePieceModel) {
  ScratchDir dir;
  PrepOptions first = test::quiet_options(dir / "first");
  first.source.tokenizer = "sentencepiece";
  first.source.vocab_size = 30;
  test::build_from_tsv(dir, test::make_tsv(300), first);
  PrepOptions o = test::quiet_options(dir / "second");
  o.source.tokenizer = "sentencepiece";
  o.source.sentencepiece_model = dir / "first/spm.src.model";
  test::build_from_tsv(dir, test::make_tsv(300), o);
  EXPECT_EQ(test::read_file(dir / "first/spm.src.model"), test::read_file(dir / "second/spm.src.model"));
}

TEST(CorpusBuilder, WritesTheBuiltInSampleTask) {
  ScratchDir dir;
  PrepOptions o = test::quiet_options(dir / "sample");
  o.valid_count = 100;
  o.test_count = 100;
  SamplePairSource sample(2000, 1);
  const Manifest m = CorpusBuilder(o).build(sample);
  EXPECT_EQ(m.split("train").examples(), 1800);
  EXPECT_EQ(m.source.vocab_size, 4 + SamplePairSource::kSymbols);
  EXPECT_EQ(m.target.vocab_size, 4 + SamplePairSource::kSymbols);
}

// ---- bad input: a clear error, and no directory that looks like a corpus -----------------

void expect_no_output(const ScratchDir& dir) {
  for (const auto& name : test::list_dir(dir.path())) EXPECT_EQ(name.find("corpus"), std::string::npos) << name;
}

TEST(CorpusBuilder, AnEmptyCorpusIsAnErrorAndLeavesNoDirectory) {
  ScratchDir dir;
  test::expect_error([&] { test::build_from_tsv(dir, "", test::quiet_options(dir / "corpus")); },
                     {"input.tsv", "empty"});
  test::expect_error([&] { test::build_from_tsv(dir, "\t\n \t \n", test::quiet_options(dir / "corpus")); },
                     {"input.tsv", "empty"});
  expect_no_output(dir);
}

TEST(CorpusBuilder, ABadLineAnywhereFailsTheRunAndLeavesNoDirectory) {
  ScratchDir dir;
  const std::string good = test::make_tsv(200);
  test::expect_error([&] { test::build_from_tsv(dir, good + "no tab\n", test::quiet_options(dir / "corpus")); },
                     {"input.tsv:201", "no tab"});
  test::expect_error([&] { test::build_from_tsv(dir, good + "a\t\xC3(\n", test::quiet_options(dir / "corpus")); },
                     {"input.tsv:201", "invalid UTF-8"});
  PrepOptions small_lines = test::quiet_options(dir / "corpus");
  small_lines.max_line_bytes = 100;
  test::expect_error([&] { test::build_from_tsv(dir, good + std::string(200, 'x') + "\ty\n", small_lines); },
                     {"input.tsv:201", "longer than 100 bytes"});
  expect_no_output(dir);
}

TEST(CorpusBuilder, AFailureLateInTheRunLeavesNoDirectory) {
  ScratchDir dir;
  PrepOptions o = test::quiet_options(dir / "corpus");
  o.shards = 500;  // more shards than pairs: refused after the vocabularies were written
  test::expect_error([&] { test::build_from_tsv(dir, test::make_tsv(100), o); }, {"100 training pairs", "500 shards"});
  expect_no_output(dir);
}

TEST(CorpusBuilder, RefusesAnExistingOutputUnlessForced) {
  ScratchDir dir;
  test::build_from_tsv(dir, test::make_tsv(50), test::quiet_options(dir / "corpus"));
  const std::string before = test::read_file(dir / "corpus/manifest.json");
  test::expect_error([&] { test::build_from_tsv(dir, test::make_tsv(60), test::quiet_options(dir / "corpus")); },
                     {"corpus", "already exists", "--force"});
  EXPECT_EQ(test::read_file(dir / "corpus/manifest.json"), before);
  PrepOptions o = test::quiet_options(dir / "corpus");
  o.force = true;
  const Manifest m = test::build_from_tsv(dir, test::make_tsv(60), o);
  EXPECT_EQ(m.split("train").examples(), 60);
}

TEST(CorpusBuilder, RefusesConflictingOptions) {
  ScratchDir dir;
  PrepOptions o = test::quiet_options(dir / "corpus");
  o.valid_count = 5;
  o.valid_fraction = 0.1;
  test::expect_error([&] { test::build_from_tsv(dir, test::make_tsv(50), o); }, {"--valid-count", "--valid-fraction"});
  PrepOptions t = test::quiet_options(dir / "corpus");
  t.source.tokenizer = "words";
  test::expect_error([&] { test::build_from_tsv(dir, test::make_tsv(50), t); }, {"unknown source tokenizer 'words'"});
  expect_no_output(dir);
}

}  // namespace
}  // namespace s2s
