// ImprovementTracker: the best value of a validation metric so far and how many validations
// in a row failed to beat it, in the direction the metric improves.
#include <gtest/gtest.h>

#include <limits>

#include "trainer/metrics/ImprovementTracker.h"

namespace s2s {
namespace {

TEST(ImprovementTracker, DirectionFollowsTheMetric) {
  for (ValidMetric metric : {ValidMetric::bleu, ValidMetric::chrf, ValidMetric::exact_match}) {
    EXPECT_TRUE(higher_is_better(metric));
    EXPECT_EQ(ImprovementTracker(metric).best(), -std::numeric_limits<double>::infinity());
  }
  EXPECT_FALSE(higher_is_better(ValidMetric::loss));
  EXPECT_EQ(ImprovementTracker(ValidMetric::loss).best(), std::numeric_limits<double>::infinity());
  ImprovementTracker higher(true);
  EXPECT_EQ(higher.best(), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(higher.observe(0.0));  // any first value improves on -inf
  EXPECT_FALSE(higher.observe(-1.0));
  EXPECT_EQ(higher.stalls(), 1);
  ImprovementTracker lower;
  EXPECT_TRUE(lower.observe(3.0));
  EXPECT_TRUE(lower.observe(2.0));
  EXPECT_FALSE(lower.observe(2.5));
}

}  // namespace
}  // namespace s2s
