#include "data/PairSource.h"

#include <gtest/gtest.h>

#include "tests/data/DataTestSupport.h"
#include "data/ParallelTextPairSource.h"
#include "data/SamplePairSource.h"
#include "data/TsvPairSource.h"

namespace s2s {
namespace {

std::vector<std::pair<std::string, std::string>> read_all(PairSource& s) {
  std::vector<std::pair<std::string, std::string>> pairs;
  TextPair p;
  while (s.next(p)) pairs.emplace_back(std::string(p.source), std::string(p.target));
  return pairs;
}

TEST(TsvPairSource, SplitsEachLineAtItsTab) {
  test::ScratchDir dir;
  test::write_file(dir / "c.tsv", "hallo welt\thello world\nja\tyes\n");
  TsvPairSource s(dir / "c.tsv", 1 << 20);
  const auto pairs = read_all(s);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].first, "hallo welt");
  EXPECT_EQ(pairs[0].second, "hello world");
  s.rewind();
  EXPECT_EQ(read_all(s), pairs);
}

TEST(TsvPairSource, ALineWithoutATabNamesFileAndLine) {
  test::ScratchDir dir;
  test::write_file(dir / "c.tsv", "a\tb\nno tab here\n");
  TsvPairSource s(dir / "c.tsv", 1 << 20);
  test::expect_error([&] { read_all(s); }, {"c.tsv:2", "no tab"});
}

TEST(TsvPairSource, ALineWithTwoTabsNamesFileAndLine) {
  test::ScratchDir dir;
  test::write_file(dir / "c.tsv", "a\tb\tc\n");
  TsvPairSource s(dir / "c.tsv", 1 << 20);
  test::expect_error([&] { read_all(s); }, {"c.tsv:1", "more than one tab"});
}

TEST(TsvPairSource, InvalidUtf8NamesFileLineSideAndByte) {
  test::ScratchDir dir;
  test::write_file(dir / "c.tsv", "ok\tok\nok\tcaf\xE9\n");
  TsvPairSource s(dir / "c.tsv", 1 << 20);
  test::expect_error([&] { read_all(s); }, {"c.tsv:2", "invalid UTF-8", "target", "byte 4", "iconv"});
}

TEST(TsvPairSource, MissingFileIsAClearError) {
  test::expect_error([] { TsvPairSource("/nonexistent/corpus.tsv", 100); }, {"/nonexistent/corpus.tsv"});
}

TEST(ParallelTextPairSource, PairsLineIWithLineI) {
  test::ScratchDir dir;
  test::write_file(dir / "a.de", "eins\nzwei\n");
  test::write_file(dir / "a.en", "one\ntwo\n");
  ParallelTextPairSource s(dir / "a.de", dir / "a.en", 1 << 20);
  const auto pairs = read_all(s);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[1].first, "zwei");
  EXPECT_EQ(pairs[1].second, "two");
}

TEST(ParallelTextPairSource, FilesOfDifferentLengthAreAnErrorNamingBoth) {
  test::ScratchDir dir;
  test::write_file(dir / "a.de", "eins\nzwei\ndrei\n");
  test::write_file(dir / "a.en", "one\ntwo\n");
  ParallelTextPairSource s(dir / "a.de", dir / "a.en", 1 << 20);
  test::expect_error([&] { read_all(s); }, {"a.en has 2 lines", "a.de has more"});
}

TEST(ParallelTextPairSource, InvalidUtf8NamesTheFileItIsIn) {
  test::ScratchDir dir;
  test::write_file(dir / "a.de", "eins\n\xFFzwei\n");
  test::write_file(dir / "a.en", "one\ntwo\n");
  ParallelTextPairSource s(dir / "a.de", dir / "a.en", 1 << 20);
  test::expect_error([&] { read_all(s); }, {"a.de:2", "invalid UTF-8", "source"});
}

TEST(SamplePairSource, ReversesAndMapsDeterministically) {
  SamplePairSource a(500, 3);
  SamplePairSource b(500, 3);
  const auto pairs = read_all(a);
  EXPECT_EQ(read_all(b), pairs);
  a.rewind();
  EXPECT_EQ(read_all(a), pairs);
  EXPECT_NE(read_all(*std::make_unique<SamplePairSource>(500, 4)), pairs);
  ASSERT_EQ(pairs.size(), 500u);
  for (const auto& [src, tgt] : pairs) {
    std::vector<char> s;
    for (char c : src)
      if (c != ' ') s.push_back(c);
    ASSERT_GE(s.size(), static_cast<size_t>(SamplePairSource::kMinLength));
    ASSERT_LE(s.size(), static_cast<size_t>(SamplePairSource::kMaxLength));
    std::string expected;
    for (size_t i = s.size(); i-- > 0;) {
      if (!expected.empty()) expected += ' ';
      expected += static_cast<char>('A' + SamplePairSource::map_symbol(s[i] - 'a'));
    }
    EXPECT_EQ(tgt, expected);
  }
}

TEST(SamplePairSource, TheMappingIsAPermutationWithoutFixedLetters) {
  std::vector<bool> hit(SamplePairSource::kSymbols, false);
  for (int s = 0; s < SamplePairSource::kSymbols; ++s) {
    const int t = SamplePairSource::map_symbol(s);
    EXPECT_NE(t, s);
    hit[static_cast<size_t>(t)] = true;
  }
  for (bool h : hit) EXPECT_TRUE(h);
}

}  // namespace
}  // namespace s2s
