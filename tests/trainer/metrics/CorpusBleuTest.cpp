// Specification of CorpusBleu against values worked out by hand (sacreBLEU's defaults:
// 13a, exponential smoothing, closest reference length, clipping by the max over refs).
#include <gtest/gtest.h>

#include <cmath>

#include "core/Error.h"
#include "trainer/metrics/CorpusBleu.h"
#include "trainer/metrics/Tokenizer13a.h"

namespace s2s {
namespace {

double bleu_of(const std::vector<std::pair<std::string, std::vector<std::string_view>>>& segments,
               BleuScore* out = nullptr) {
  CorpusBleu bleu;
  for (const auto& [hyp, refs] : segments) bleu.add(hyp, refs);
  const BleuScore s = bleu.score();
  if (out) *out = s;
  return s.bleu;
}

TEST(CorpusBleu, IdenticalSegmentsScore100) {
  BleuScore s;
  EXPECT_NEAR(bleu_of({{"the cat sat on the mat .", {"the cat sat on the mat."}}}, &s), 100.0, 1e-9);
  EXPECT_EQ(s.sys_len, 7);
  EXPECT_EQ(s.brevity_penalty, 1.0);
}

TEST(CorpusBleu, BrevityPenaltyOfAShortHypothesis) {
  // 4 of 6 reference tokens, every n-gram correct: BLEU = 100 * exp(1 - 6/4).
  BleuScore s;
  EXPECT_NEAR(bleu_of({{"the cat sat on", {"the cat sat on the mat"}}}, &s), 100 * std::exp(-0.5), 1e-9);
  EXPECT_NEAR(s.brevity_penalty, std::exp(-0.5), 1e-12);
  EXPECT_EQ(s.ref_len, 6);
}

TEST(CorpusBleu, EmptyHypothesisCountsOnlyInLengths) {
  // Alone: length 0, no matches -> 0.
  BleuScore s;
  EXPECT_EQ(bleu_of({{"", {"the cat"}}}, &s), 0.0);
  EXPECT_EQ(s.brevity_penalty, 0.0);
  // In a corpus: sys_len 5, ref_len 7, all n-grams of the other segment correct.
  EXPECT_NEAR(bleu_of({{"", {"x y"}}, {"a b c d e", {"a b c d e"}}}, &s), 100 * std::exp(1 - 7.0 / 5),
              1e-9);
}

TEST(CorpusBleu, NoMatchAtAllIsZero) {
  BleuScore s;
  EXPECT_EQ(bleu_of({{"a b c d", {"w x y z"}}}, &s), 0.0);
  EXPECT_EQ(s.precisions[0], 0.0);
}

TEST(CorpusBleu, OrdersWithoutMatchesAreExponentiallySmoothed) {
  // p1 = 3/4, p2 = 1/3, p3 = 0/2 -> 100 / (2 * 2), p4 = 0/1 -> 100 / (4 * 1).
  BleuScore s;
  const double expected = std::pow(75.0 * (100.0 / 3) * 25.0 * 25.0, 0.25);  // 35.355
  EXPECT_NEAR(bleu_of({{"a b c d", {"a b x d"}}}, &s), expected, 1e-9);
  EXPECT_NEAR(s.precisions[2], 25.0, 1e-12);
  EXPECT_NEAR(s.precisions[3], 25.0, 1e-12);
}

TEST(CorpusBleu, ShortHypothesisWithoutFourGramsIsZero) {
  // 3 tokens: no 4-grams, so p4 stays 0 and BLEU is 0 (sacreBLEU without effective order).
  EXPECT_EQ(bleu_of({{"a b c", {"a b c"}}}), 0.0);
}

TEST(CorpusBleu, MultipleReferencesClipByTheMaxCountAndUseTheClosestLength) {
  // "the" x4 against refs "the cat" (the x1) and "the the dog" (the x2, "the the" x1):
  // p1 = 2/4, p2 = 1/3, p3 = 0/2 -> 25, p4 = 0/1 -> 25; closest length 3 (|4-3| < |4-2|).
  BleuScore s;
  const double expected = std::pow(50.0 * (100.0 / 3) * 25.0 * 25.0, 0.25);
  EXPECT_NEAR(bleu_of({{"the the the the", {"the cat", "the the dog"}}}, &s), expected, 1e-9);
  EXPECT_EQ(s.correct[0], 2);
  EXPECT_EQ(s.correct[1], 1);
  EXPECT_EQ(s.ref_len, 3);
}

TEST(CorpusBleu, ClosestReferenceLengthTieGoesToTheShorter) {
  BleuScore s;
  bleu_of({{"a b c", {"a b c d", "a b"}}}, &s);
  EXPECT_EQ(s.ref_len, 2);
  EXPECT_EQ(s.brevity_penalty, 1.0);
}

TEST(CorpusBleu, SegmentWithoutReferencesIsAnError) {
  CorpusBleu bleu;
  EXPECT_THROW(bleu.add("a", {}), Error);
}

TEST(Tokenizer13a, SplitsPunctuationButKeepsNumbersTogether) {
  const Tokenizer13a tok;
  using V = std::vector<std::string>;
  EXPECT_EQ(tok("Hello, world!"), (V{"Hello", ",", "world", "!"}));
  EXPECT_EQ(tok("pi is 3.14 or 1,000"), (V{"pi", "is", "3.14", "or", "1,000"}));
  EXPECT_EQ(tok("e-mail 10-15"), (V{"e-mail", "10", "-", "15"}));
  EXPECT_EQ(tok("It's end."), (V{"It's", "end", "."}));
  EXPECT_EQ(tok("&quot;hi&quot; &amp; a<skipped>b"), (V{"\"", "hi", "\"", "&", "ab"}));
  EXPECT_EQ(tok("  caf\xC3\xA9.\xE3\x80\x80x  "), (V{"caf\xC3\xA9", ".", "x"}));  // U+3000 splits
  EXPECT_TRUE(tok("").empty());
}

}  // namespace
}  // namespace s2s
