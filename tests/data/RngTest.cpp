#include "data/Rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace s2s {
namespace {

TEST(Rng, IsTheSameSequenceOnEveryMachine) {
  // Pinned values: data order must not change between builds or platforms.
  Rng rng(1);
  EXPECT_EQ(rng.next(), 0x910a2dec89025cc1ULL);
  EXPECT_EQ(rng.next(), 0xbeeb8da1658eec67ULL);
}

TEST(Rng, BelowStaysInRangeAndCoversIt) {
  Rng rng(7);
  std::vector<int> seen(10, 0);
  for (int i = 0; i < 10000; ++i) {
    const uint64_t v = rng.below(10);
    ASSERT_LT(v, 10u);
    ++seen[v];
  }
  for (int count : seen) EXPECT_GT(count, 800);
}

TEST(Rng, ShuffleIsAPermutationAndDependsOnTheSeed) {
  std::vector<int> a(100);
  std::iota(a.begin(), a.end(), 0);
  std::vector<int> b = a;
  Rng(1).shuffle(a);
  Rng(2).shuffle(b);
  EXPECT_NE(a, b);
  std::vector<int> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(sorted[static_cast<size_t>(i)], i);
}

TEST(Rng, DerivedStreamsDifferByKey) {
  EXPECT_NE(Rng::derive(1, 5, 1).next(), Rng::derive(1, 5, 2).next());
  EXPECT_NE(Rng::derive(1, 5, 1).next(), Rng::derive(2, 5, 1).next());
  EXPECT_EQ(Rng::derive(1, 5, 1, 3).next(), Rng::derive(1, 5, 1, 3).next());
}

}  // namespace
}  // namespace s2s
