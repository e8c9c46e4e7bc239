#include "data/ReaderCursor.h"

#include <gtest/gtest.h>

#include "tests/data/DataTestSupport.h"

namespace s2s {
namespace {

TEST(ReaderCursor, RoundTripsThroughItsString) {
  ReaderCursor c;
  c.epoch = 12;
  c.position = 3456;
  c.seed = 18446744073709551615ULL;
  c.plan_fingerprint = 0x0123456789abcdefULL;
  const std::string s = c.to_string();
  EXPECT_EQ(s, "s2s-cursor/1 epoch=12 position=3456 seed=18446744073709551615 plan=0123456789abcdef");
  EXPECT_EQ(ReaderCursor::from_string(s), c);
  ReaderCursor d = c;
  d.position += 1;
  EXPECT_NE(d, c);
}

TEST(ReaderCursor, RejectsAnythingElse) {
  test::expect_error([] { ReaderCursor::from_string("epoch=1"); }, {"not a data reader cursor"});
  test::expect_error([] { ReaderCursor::from_string("s2s-cursor/2 epoch=1 position=0 seed=1 plan=0"); },
                     {"version 2"});
  test::expect_error([] { ReaderCursor::from_string("s2s-cursor/1 epoch=0 position=0 seed=1 plan=0"); },
                     {"malformed"});
  test::expect_error([] { ReaderCursor::from_string("s2s-cursor/1 epoch=1 position=0 seed=1 plan=0 extra"); },
                     {"malformed"});
}

}  // namespace
}  // namespace s2s
