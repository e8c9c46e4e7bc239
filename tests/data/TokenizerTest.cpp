#include "data/Tokenizer.h"

#include <gtest/gtest.h>

#include "tests/data/DataTestSupport.h"
#include "data/SentencePieceTokenizer.h"

namespace s2s {
namespace {

using Pieces = std::vector<std::string>;

Pieces encode(const Tokenizer& t, const std::string& text) {
  Pieces p;
  t.encode(text, p);
  return p;
}

TEST(CharTokenizer, SplitsCodePointsIncludingSpacesAndRoundTrips) {
  const auto t = make_tokenizer("char");
  EXPECT_EQ(t->kind(), "char");
  EXPECT_EQ(encode(*t, "aé 東"), (Pieces{"a", "é", " ", "東"}));
  for (const std::string text : {"", "x", "Grüße  aus Köln ", "😀 ok"}) EXPECT_EQ(t->decode(encode(*t, text)), text);
}

TEST(SpaceTokenizer, SplitsOnWhitespaceRunsAndJoinsWithOneSpace) {
  const auto t = make_tokenizer("space");
  EXPECT_EQ(encode(*t, "  the cat\tsat  "), (Pieces{"the", "cat", "sat"}));
  EXPECT_EQ(encode(*t, ""), Pieces{});
  EXPECT_EQ(t->decode(encode(*t, "the  cat\tsat")), "the cat sat");
  EXPECT_EQ(t->decode(encode(*t, "the cat sat")), "the cat sat");
}

TEST(SpaceTokenizer, ReusesThePiecesVectorWithoutLeftovers) {
  const auto t = make_tokenizer("space");
  Pieces p;
  t->encode("one two three four", p);
  t->encode("five", p);
  EXPECT_EQ(p, Pieces{"five"});
}

TEST(Tokenizer, UnknownKindIsAClearError) {
  test::expect_error([] { make_tokenizer("bytes"); }, {"unknown tokenizer 'bytes'", "char, space, sentencepiece"});
  test::expect_error([] { make_tokenizer("sentencepiece", "/nonexistent/spm.model"); },
                     {"/nonexistent/spm.model"});
}

// A small corpus SentencePiece can learn a few dozen pieces from.
std::vector<std::string> sentences() {
  std::vector<std::string> out;
  const char* words[] = {"lower", "newest", "widest", "low", "new", "wide", "slow", "slower", "show", "shower"};
  for (int i = 0; i < 400; ++i)
    out.push_back(std::string(words[i % 10]) + " " + words[(i * 3 + 1) % 10] + " " + words[(i * 7 + 2) % 10]);
  return out;
}

void train(const std::string& path, const std::string& type) {
  const auto all = sentences();
  size_t i = 0;
  SentencePieceTraining options;
  options.model_type = type;
  options.vocab_size = 40;
  SentencePieceTokenizer::train([&](std::string& s) {
    if (i == all.size()) return false;
    s = all[i++];
    return true;
  }, options, path, "test corpus");
}

TEST(SentencePieceTokenizer, TrainsBpeAndUnigramModelsFromAStreamAndRoundTrips) {
  test::ScratchDir dir;
  for (const std::string type : {"bpe", "unigram"}) {
    const std::string model = dir / (type + ".model");
    train(model, type);
    const auto t = make_tokenizer("sentencepiece", model);
    EXPECT_EQ(t->kind(), "sentencepiece");
    for (const auto& s : {std::string("lower newest widest"), std::string("show slow wide")}) {
      const Pieces p = encode(*t, s);
      EXPECT_GT(p.size(), 1u);
      EXPECT_LT(p.size(), s.size()) << type << " should merge characters into subwords";
      EXPECT_EQ(t->decode(p), s) << type;
    }
    // Characters the model never saw still round-trip (as their own pieces).
    EXPECT_EQ(t->decode(encode(*t, "lower ZZ")), "lower ZZ");
  }
}

TEST(SentencePieceTokenizer, TrainingIsDeterministic) {
  test::ScratchDir dir;
  train(dir / "a.model", "unigram");
  train(dir / "b.model", "unigram");
  EXPECT_EQ(test::read_file(dir / "a.model"), test::read_file(dir / "b.model"));
}

}  // namespace
}  // namespace s2s
