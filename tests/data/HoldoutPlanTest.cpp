#include "data/HoldoutPlan.h"

#include <gtest/gtest.h>

#include "tests/data/DataTestSupport.h"

namespace s2s {
namespace {

std::vector<PairRole> roles(const HoldoutPlan& p, int64_t n) {
  std::vector<PairRole> r;
  for (int64_t i = 0; i < n; ++i) r.push_back(p.role(i));
  return r;
}

TEST(HoldoutPlan, HoldsOutExactlyTheRequestedCounts) {
  const HoldoutPlan p(1000, 30, 20, 1);
  const auto r = roles(p, 1000);
  EXPECT_EQ(std::count(r.begin(), r.end(), PairRole::kValid), 30);
  EXPECT_EQ(std::count(r.begin(), r.end(), PairRole::kTest), 20);
  EXPECT_EQ(p.train_count(), 950);
}

TEST(HoldoutPlan, IsAFunctionOfTheSeed) {
  EXPECT_EQ(roles(HoldoutPlan(1000, 30, 20, 1), 1000), roles(HoldoutPlan(1000, 30, 20, 1), 1000));
  EXPECT_NE(roles(HoldoutPlan(1000, 30, 20, 1), 1000), roles(HoldoutPlan(1000, 30, 20, 2), 1000));
}

TEST(HoldoutPlan, SpreadsOverTheWholeCorpus) {
  const HoldoutPlan p(10000, 500, 0, 5);
  int first_half = 0;
  for (int64_t i = 0; i < 5000; ++i) first_half += p.role(i) == PairRole::kValid;
  EXPECT_GT(first_half, 180);
  EXPECT_LT(first_half, 320);
}

TEST(HoldoutPlan, RefusesToHoldOutEverything) {
  test::expect_error([] { HoldoutPlan(10, 6, 4, 1); }, {"6 validation", "4 test", "10 pairs"});
}

}  // namespace
}  // namespace s2s
