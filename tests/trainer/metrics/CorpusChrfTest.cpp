// Specification of CorpusChrf against values worked out by hand (sacreBLEU's defaults:
// character orders 1..6, beta 2, whitespace removed, effective-order averaging).
#include <gtest/gtest.h>

#include "trainer/metrics/CorpusChrf.h"

namespace s2s {
namespace {

double chrf(std::string_view hyp, const std::vector<std::string_view>& refs) {
  CorpusChrf c;
  c.add(hyp, refs);
  return c.score();
}

TEST(CorpusChrf, IdenticalIs100AndWhitespaceIsIgnored) {
  EXPECT_NEAR(chrf("abc", {"abc"}), 100.0, 1e-9);
  EXPECT_NEAR(chrf("a b\tc", {"abc"}), 100.0, 1e-9);
}

TEST(CorpusChrf, PartialMatchAveragesOverEffectiveOrders) {
  // order 1: P = 2/2, R = 2/3; order 2: P = 1/1, R = 1/2; order 3+: no hypothesis n-grams.
  // P = 1, R = 7/12, chrF = 100 * 5 P R / (4 P + R) = 100 * 35/55.
  EXPECT_NEAR(chrf("ab", {"abc"}), 100.0 * 35 / 55, 1e-9);
}

TEST(CorpusChrf, EmptyHypothesisAndNoMatchAreZero) {
  EXPECT_EQ(chrf("", {"abc"}), 0.0);
  EXPECT_EQ(chrf("xyz", {"abc"}), 0.0);
  EXPECT_EQ(chrf("", {""}), 0.0);
}

TEST(CorpusChrf, OrdersTheReferenceLacksDoNotCountHypothesisNgrams) {
  // "abcd" vs "ab": order 1: P = 2/4, R = 1; order 2: P = 1/3, R = 1; orders 3+: the
  // reference has none, so (as in sacreBLEU) neither side counts. P = 5/12, R = 1:
  // chrF = 100 * 5 (5/12) / (4 (5/12) + 1) = 100 * 25/32.
  EXPECT_NEAR(chrf("abcd", {"ab"}), 100.0 * 25 / 32, 1e-9);
}

TEST(CorpusChrf, CountsCodePointsNotBytes) {
  // "éa" vs "éb": order 1: 1 of 2 match (P = R = 1/2); order 2: none (P = R = 0).
  // P = R = 1/4 -> chrF 25. Byte n-grams would give a different value.
  EXPECT_NEAR(chrf("\xC3\xA9" "a", {"\xC3\xA9" "b"}), 25.0, 1e-9);
}

TEST(CorpusChrf, MultipleReferencesUseTheBestSegmentScore) {
  EXPECT_NEAR(chrf("abc", {"xyz", "abc"}), 100.0, 1e-9);
  EXPECT_NEAR(chrf("ab", {"xyz", "abc"}), 100.0 * 35 / 55, 1e-9);
}

TEST(CorpusChrf, CorpusStatisticsAreSummedBeforeTheScore) {
  // Stats of "ab"/"abc" plus "abc"/"abc": order 1 (5,6,5), 2 (3,4,3), 3 (1,2,1).
  // P = 1, R = (5/6 + 3/4 + 1/2) / 3 = 25/36.
  CorpusChrf c;
  c.add("ab", {"abc"});
  c.add("abc", {"abc"});
  const double p = 1, r = 25.0 / 36;
  EXPECT_NEAR(c.score(), 100 * 5 * p * r / (4 * p + r), 1e-9);
}

}  // namespace
}  // namespace s2s
