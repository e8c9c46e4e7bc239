// Specification of ExactMatch and TokenErrorRate (WER-style edit distance over reference
// tokens), by hand.
#include <gtest/gtest.h>

#include "trainer/metrics/ExactMatch.h"
#include "trainer/metrics/TokenErrorRate.h"

namespace s2s {
namespace {

TEST(ExactMatch, ComparesAfterWhitespaceNormalisationOnly) {
  ExactMatch m;
  m.add("  a  b ", {"a b"});      // match
  m.add("A b", {"a b"});          // case counts
  m.add("a b .", {"x", "a b ."}); // any reference
  m.add("", {""});                // empty equals empty
  EXPECT_EQ(m.matches(), 3);
  EXPECT_DOUBLE_EQ(m.score(), 75.0);
  EXPECT_EQ(ExactMatch().score(), 0.0);
}

TEST(TokenErrorRate, IsEditsOverReferenceTokens) {
  using V = std::vector<std::string>;
  EXPECT_EQ(TokenErrorRate::edit_distance(V{"a", "b", "c"}, V{"a", "x", "c", "d"}), 2);
  EXPECT_EQ(TokenErrorRate::edit_distance(V{}, V{"a", "b"}), 2);
  EXPECT_EQ(TokenErrorRate::edit_distance(V{"a", "b"}, V{"b", "a"}), 2);  // no shifts
  TokenErrorRate t;
  t.add("a b c", {"a x c d"});  // 2 edits / 4
  t.add("", {"e f"});           // 2 deletions / 2
  EXPECT_EQ(t.edits(), 4);
  EXPECT_DOUBLE_EQ(t.score(), 100.0 * 4 / 6);
}

TEST(TokenErrorRate, MultipleReferencesTakeFewestEditsAndAverageLength) {
  TokenErrorRate t;
  t.add("a b", {"a b c d", "a b"});  // 0 edits; average length 3
  t.add("x", {"y", "y z"});          // 1 edit; average length 1.5
  EXPECT_DOUBLE_EQ(t.score(), 100.0 * 1 / 4.5);
}

TEST(TokenErrorRate, EmptyReferences) {
  TokenErrorRate none;
  none.add("", {""});
  EXPECT_EQ(none.score(), 0.0);
  TokenErrorRate some;
  some.add("a", {""});
  EXPECT_EQ(some.score(), 100.0);
}

}  // namespace
}  // namespace s2s
