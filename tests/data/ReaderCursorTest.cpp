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
  c.groups = 4;
  c.plan_fingerprint = 0x0123456789abcdefULL;
  const std::string s = c.to_string();
  EXPECT_EQ(s, "s2s-cursor/2 epoch=12 position=3456 seed=18446744073709551615 groups=4 plan=0123456789abcdef");
  EXPECT_EQ(ReaderCursor::from_string(s), c);
  ReaderCursor d = c;
  d.position += 1;
  EXPECT_NE(d, c);
  d = c;
  d.groups = 2;
  EXPECT_NE(d, c);
}

TEST(ReaderCursor, ReadsVersionOneWithoutGroups) {
  // Written before the groups existed: the caller supplies the world size that wrote it.
  const ReaderCursor c = ReaderCursor::from_string("s2s-cursor/1 epoch=3 position=7 seed=1 plan=00000000000000ff");
  EXPECT_EQ(c.epoch, 3);
  EXPECT_EQ(c.position, 7);
  EXPECT_EQ(c.groups, 0);
  EXPECT_EQ(c.plan_fingerprint, 0xffULL);
}

TEST(ReaderCursor, RejectsAnythingElse) {
  test::expect_error([] { ReaderCursor::from_string("epoch=1"); }, {"not a data reader cursor"});
  test::expect_error([] { ReaderCursor::from_string("s2s-cursor/3 epoch=1 position=0 seed=1 groups=1 plan=0"); },
                     {"version 3"});
  test::expect_error([] { ReaderCursor::from_string("s2s-cursor/1 epoch=0 position=0 seed=1 plan=0"); },
                     {"malformed"});
  test::expect_error([] { ReaderCursor::from_string("s2s-cursor/2 epoch=1 position=0 seed=1 groups=0 plan=0"); },
                     {"malformed"});
  test::expect_error([] { ReaderCursor::from_string("s2s-cursor/2 epoch=1 position=0 seed=1 plan=0"); },
                     {"malformed"});
  test::expect_error([] { ReaderCursor::from_string("s2s-cursor/1 epoch=1 position=0 seed=1 plan=0 extra"); },
                     {"malformed"});
}

}  // namespace
}  // namespace s2s
