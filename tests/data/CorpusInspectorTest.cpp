#include "data/CorpusInspector.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/data/DataTestSupport.h"

namespace s2s {
namespace {

class CorpusInspectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PrepOptions o = test::quiet_options(dir_ / "corpus");
    o.valid_count = 10;
    o.shards = 2;
    test::build_from_tsv(dir_, "a b c\tx y\nb\tz z z z\n" + test::make_tsv(200), o);
  }
  test::ScratchDir dir_;
};

TEST_F(CorpusInspectorTest, SummarisesPairsTokensAndVocabularies) {
  CorpusInspector inspector(dir_ / "corpus");
  std::ostringstream out;
  inspector.print_summary(out);
  EXPECT_NE(out.str().find("train       192 pairs in 2 shards"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("valid       10 pairs in 1 shard,"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("tokenizer space, vocabulary"), std::string::npos) << out.str();
}

TEST_F(CorpusInspectorTest, HistogramCountsEveryPair) {
  CorpusInspector inspector(dir_ / "corpus");
  const LengthHistogram h = inspector.histogram("train");
  int64_t src = 0;
  int64_t tgt = 0;
  for (size_t i = 0; i < h.source.size(); ++i) {
    src += h.source[i];
    tgt += h.target[i];
  }
  EXPECT_EQ(src, 192);
  EXPECT_EQ(tgt, 192);
  EXPECT_LE(h.max_source, 9);
  std::ostringstream out;
  inspector.print_histogram(out, "train");
  EXPECT_NE(out.str().find("length"), std::string::npos);
}

TEST_F(CorpusInspectorTest, DecodesPairsBackToText) {
  CorpusInspector inspector(dir_ / "corpus");
  const auto pairs = inspector.decoded_pairs("train", 500);
  ASSERT_EQ(pairs.size(), 192u);
  bool found = false;
  for (const auto& p : pairs) found = found || (p.first == "a b c" && p.second == "x y");
  EXPECT_TRUE(found || inspector.decoded_pairs("valid", 10).size() == 10u);
}

TEST_F(CorpusInspectorTest, VerifiesEveryShardAndReportsTheBadOnes) {
  {
    CorpusInspector inspector(dir_ / "corpus");
    std::ostringstream out;
    EXPECT_EQ(inspector.verify(out), 0) << out.str();
    EXPECT_NE(out.str().find("ok   shard-00001.h5"), std::string::npos) << out.str();
  }
  std::string bytes = test::read_file(dir_ / "corpus/shard-00001.h5");
  bytes[bytes.size() - 10] ^= 1;
  test::write_file(dir_ / "corpus/shard-00001.h5", bytes);
  CorpusInspector inspector(dir_ / "corpus");
  std::ostringstream out;
  EXPECT_EQ(inspector.verify(out), 1);
  EXPECT_NE(out.str().find("BAD  shard-00001.h5: checksum mismatch"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("ok   shard-00000.h5"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace s2s
