// Specification of S2S_CHECK: on in every build type, one s2s::Error with the formatted
// message and the raising location.
#include <gtest/gtest.h>

#include <string>

#include "core/Check.h"

namespace s2s {
namespace {

int checked_positive(int n) {
  S2S_CHECK(n > 0, "n must be positive, got {}", n);
  return n;
}

TEST(Check, PassesThroughWhenTheConditionHolds) { EXPECT_EQ(checked_positive(3), 3); }

TEST(Check, ThrowsErrorWithFormattedMessageAndLocation) {
  try {
    checked_positive(-2);
    FAIL() << "S2S_CHECK did not throw";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "n must be positive, got -2");
    EXPECT_NE(std::string(e.file()).find("CheckTest.cpp"), std::string::npos);
    EXPECT_GT(e.line(), 0);
  }
}

TEST(Check, StaysOnWhenNDEBUGIsDefined) {
#ifndef NDEBUG
  GTEST_SKIP() << "this build does not define NDEBUG";
#endif
  EXPECT_THROW(checked_positive(0), Error);
}

TEST(Check, AssertNamesTheConditionAsAnInternalError) {
  try {
    S2S_ASSERT(1 + 1 == 3);
    FAIL() << "S2S_ASSERT did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("internal error: 1 + 1 == 3 failed"), std::string::npos);
  }
}

}  // namespace
}  // namespace s2s
