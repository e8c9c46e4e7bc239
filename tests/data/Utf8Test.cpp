#include "data/Utf8.h"

#include <gtest/gtest.h>

namespace s2s {
namespace {

TEST(Utf8, AcceptsAsciiAndMultiByteText) {
  EXPECT_TRUE(utf8::is_valid(""));
  EXPECT_TRUE(utf8::is_valid("plain ascii"));
  EXPECT_TRUE(utf8::is_valid("Grüße, 東京, 😀"));
}

TEST(Utf8, RejectsMalformedSequencesAndReportsTheOffset) {
  size_t offset = 0;
  EXPECT_FALSE(utf8::is_valid("ab\xFF", &offset));  // byte that never occurs in UTF-8
  EXPECT_EQ(offset, 2u);
  EXPECT_FALSE(utf8::is_valid("\xC3", &offset));  // truncated 2-byte sequence
  EXPECT_EQ(offset, 0u);
  EXPECT_FALSE(utf8::is_valid("x\xC0\xAF"));        // overlong '/'
  EXPECT_FALSE(utf8::is_valid("\xE0\x80\xAF"));     // overlong, 3 bytes
  EXPECT_FALSE(utf8::is_valid("\xED\xA0\x80"));     // UTF-16 surrogate
  EXPECT_FALSE(utf8::is_valid("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(utf8::is_valid("caf\xE9"));          // Latin-1 'é'
}

TEST(Utf8, SplitsIntoCodePoints) {
  std::vector<std::string_view> points;
  utf8::split_code_points("aé東😀", points);
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[0], "a");
  EXPECT_EQ(points[1], "é");
  EXPECT_EQ(points[2], "東");
  EXPECT_EQ(points[3], "😀");
}

}  // namespace
}  // namespace s2s
