#include "data/Vocab.h"

#include <gtest/gtest.h>

#include "tests/data/DataTestSupport.h"

namespace s2s {
namespace {

TEST(Vocab, SpecialsHaveTheFixedIdsTheModelUses) {
  const Vocab v;
  EXPECT_EQ(v.size(), 4);
  EXPECT_EQ(v.token(kPadId), "<pad>");
  EXPECT_EQ(v.token(kUnkId), "<unk>");
  EXPECT_EQ(v.token(kBosId), "<s>");
  EXPECT_EQ(v.token(kEosId), "</s>");
  EXPECT_EQ(kPadId, 0);
  EXPECT_EQ(kUnkId, 1);
  EXPECT_EQ(kBosId, 2);
  EXPECT_EQ(kEosId, 3);
}

TEST(Vocab, OrdersByCountThenBytesAndAppliesMinCountAndMaxSize) {
  const std::unordered_map<std::string, int64_t> counts = {{"b", 5}, {"a", 5}, {"c", 9}, {"rare", 1}, {"d", 2}};
  const Vocab all = Vocab::from_counts(counts, 1, 0);
  ASSERT_EQ(all.size(), 9);
  EXPECT_EQ(all.token(4), "c");
  EXPECT_EQ(all.token(5), "a");  // ties: byte order
  EXPECT_EQ(all.token(6), "b");
  EXPECT_EQ(all.token(7), "d");
  EXPECT_EQ(all.token(8), "rare");
  EXPECT_EQ(all.count(4), 9);

  const Vocab frequent = Vocab::from_counts(counts, 2, 0);
  EXPECT_EQ(frequent.size(), 8);
  EXPECT_EQ(frequent.id("rare"), kUnkId);

  const Vocab capped = Vocab::from_counts(counts, 1, 6);  // 4 specials + 2
  EXPECT_EQ(capped.size(), 6);
  EXPECT_EQ(capped.id("c"), 4);
  EXPECT_EQ(capped.id("b"), kUnkId);
}

TEST(Vocab, TextSpelledLikeASpecialBecomesUnk) {
  const Vocab v = Vocab::from_counts({{"<pad>", 10}, {"</s>", 10}, {"x", 1}}, 1, 0);
  EXPECT_EQ(v.size(), 5);
  EXPECT_EQ(v.id("<pad>"), kUnkId);
  EXPECT_EQ(v.id("</s>"), kUnkId);
  EXPECT_EQ(v.id("<s>"), kUnkId);
  EXPECT_EQ(v.id("x"), 4);
}

TEST(Vocab, PiecesSkipPaddingAndSentenceMarks) {
  const Vocab v = Vocab::from_counts({{"x", 3}, {"y", 2}}, 1, 0);
  const std::vector<int64_t> ids = {kBosId, 4, kUnkId, 5, kEosId, kPadId};
  EXPECT_EQ(v.pieces(ids.data(), ids.size()), (std::vector<std::string>{"x", "<unk>", "y"}));
}

TEST(Vocab, SavesAndLoadsTheSameIdsAndHash) {
  test::ScratchDir dir;
  const Vocab v = Vocab::from_counts({{"é", 3}, {"tab\there", 2}, {"\"quoted\"", 1}}, 1, 0);
  v.save(dir / "vocab.json");
  const Vocab w = Vocab::load(dir / "vocab.json");
  EXPECT_EQ(w.size(), v.size());
  EXPECT_EQ(w.hash(), v.hash());
  for (int32_t i = 0; i < v.size(); ++i) EXPECT_EQ(w.token(i), v.token(i));
  EXPECT_EQ(w.id("tab\there"), v.id("tab\there"));
}

TEST(Vocab, HashIsComputedAsFormatMdDocuments) {
  test::ScratchDir dir;
  Vocab::from_counts({{"é", 3}, {"tab\there", 2}, {"x", 1}}, 1, 0).save(dir / "vocab.json");
  const std::string out = test::run_python(R"(
import hashlib, json, os, sys
v = json.load(open(os.path.join(os.path.dirname(sys.argv[0]), 'vocab.json')))
h = hashlib.sha256()
for t in v['tokens']:
    b = t.encode(); h.update(len(b).to_bytes(8, 'little')); h.update(b)
print(h.hexdigest() == v['hash'], v['tokens'][:4] == ['<pad>', '<unk>', '<s>', '</s>'], v['size'] == len(v['tokens']))
)", dir.path());
  EXPECT_EQ(out, "True True True\n");
}

TEST(Vocab, HashChangesWithTheIdAssignment) {
  EXPECT_NE(Vocab::from_counts({{"a", 2}, {"b", 1}}, 1, 0).hash(), Vocab::from_counts({{"a", 1}, {"b", 2}}, 1, 0).hash());
  EXPECT_EQ(Vocab::from_counts({{"a", 2}, {"b", 1}}, 1, 0).hash(), Vocab::from_counts({{"a", 7}, {"b", 3}}, 1, 0).hash());
}

TEST(Vocab, LoadRejectsMissingMalformedEditedAndNewerFiles) {
  test::ScratchDir dir;
  test::expect_error([&] { Vocab::load(dir / "missing.json"); }, {"missing.json"});
  test::write_file(dir / "bad.json", "{ not json");
  test::expect_error([&] { Vocab::load(dir / "bad.json"); }, {"bad.json", "not valid JSON"});

  const Vocab v = Vocab::from_counts({{"a", 2}, {"b", 1}}, 1, 0);
  v.save(dir / "v.json");
  std::string text = test::read_file(dir / "v.json");
  std::string edited = text;
  edited.replace(edited.find("\"a\""), 3, "\"z\"");
  test::write_file(dir / "edited.json", edited);
  test::expect_error([&] { Vocab::load(dir / "edited.json"); }, {"edited.json", "modified"});

  std::string newer = text;
  newer.replace(newer.find("\"format_version\": 1"), 19, "\"format_version\": 2");
  test::write_file(dir / "newer.json", newer);
  test::expect_error([&] { Vocab::load(dir / "newer.json"); }, {"newer.json", "format version 2"});
}

}  // namespace
}  // namespace s2s
