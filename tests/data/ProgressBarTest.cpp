#include "data/ProgressBar.h"

#include <gtest/gtest.h>

namespace s2s {
namespace {

TEST(ProgressBar, FormatsAmountsInBinaryBytesOrDecimalCounts) {
  EXPECT_EQ(ProgressBar::format_amount(512, "B"), "512.0 B");
  EXPECT_EQ(ProgressBar::format_amount(3 * 1024 * 1024, "B"), "3.0 MiB");
  EXPECT_EQ(ProgressBar::format_amount(1536.0 * 1024 * 1024 * 1024, "B"), "1536.0 GiB");
  EXPECT_EQ(ProgressBar::format_amount(950, "pairs"), "950.0 pairs");
  EXPECT_EQ(ProgressBar::format_amount(125000, "pairs"), "125.0k pairs");
  EXPECT_EQ(ProgressBar::format_amount(2500000, "pairs"), "2.5M pairs");
}

TEST(ProgressBar, FormatsDurationsAsClockTime) {
  EXPECT_EQ(ProgressBar::format_duration(0), "0:00");
  EXPECT_EQ(ProgressBar::format_duration(42.4), "0:42");
  EXPECT_EQ(ProgressBar::format_duration(62), "1:02");
  EXPECT_EQ(ProgressBar::format_duration(3723), "1:02:03");
}

TEST(ProgressBar, WritesNothingWhenThePassIsShort) {
  testing::internal::CaptureStderr();
  {
    ProgressBar bar("encode", 100, "pairs");
    for (int i = 0; i < 100; ++i) bar.update(i, i);
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace s2s
