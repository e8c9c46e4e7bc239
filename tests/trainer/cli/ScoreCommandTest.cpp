// Specification of `s2s score` as a user meets it: a table or one JSON object on stdout,
// multi-reference scoring, and one-line errors for bad input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <string>

#include "tests/support/Subprocess.h"

namespace s2s {
namespace {

using test::write_temp;

TEST(ScoreCommand, PrintsJsonWithAllMetrics) {
  const auto hyp = write_temp("score_hyp.txt", "the cat sat on\nhello world !\n");
  const auto ref = write_temp("score_ref.txt", "the cat sat on the mat\nhello world!\n");
  const auto r = test::run_command(test::s2s_binary() + " score --hyp " + hyp + " --ref " + ref + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["segments"], 2);
  EXPECT_EQ(j["references"], 1);
  // 13a: 4 + 3 hypothesis tokens against 6 + 3; every n-gram matches.
  EXPECT_EQ(j["sys_len"], 7);
  EXPECT_EQ(j["ref_len"], 9);
  EXPECT_NEAR(j["bleu"].get<double>(), 100 * std::exp(1 - 9.0 / 7), 1e-9);
  EXPECT_NEAR(j["exact_match"].get<double>(), 0.0, 1e-12);
  // Whitespace tokens: "the cat sat on" needs 2 insertions (of 6); "!" vs "world!": 1
  // substitution + 1 deletion (of 2).
  EXPECT_NEAR(j["token_error_rate"].get<double>(), 100.0 * 4 / 8, 1e-9);
  EXPECT_TRUE(j.contains("chrf"));
}

TEST(ScoreCommand, TableAndMultipleReferences) {
  const auto hyp = write_temp("score_hyp2.txt", "a b c d\n");
  const auto ref1 = write_temp("score_ref2a.txt", "x y z w\n");
  const auto ref2 = write_temp("score_ref2b.txt", "a b c d\n");
  const auto one = test::run_command(test::s2s_binary() + " score --hyp " + hyp + " --ref " + ref1 + " --json");
  const auto two = test::run_command(test::s2s_binary() + " score --hyp " + hyp + " --ref " + ref1 +
                                     " --ref " + ref2 + " --json");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(nlohmann::json::parse(one.out)["bleu"], 0.0);
  const auto j = nlohmann::json::parse(two.out);
  EXPECT_EQ(j["references"], 2);
  EXPECT_NEAR(j["bleu"].get<double>(), 100.0, 1e-9);
  EXPECT_NEAR(j["chrf"].get<double>(), 100.0, 1e-9);
  EXPECT_NEAR(j["exact_match"].get<double>(), 100.0, 1e-9);
  const auto table = test::run_command(test::s2s_binary() + " score --hyp " + hyp + " --ref " + ref1 +
                                       " --ref " + ref2);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  for (const char* row : {"BLEU", "chrF", "exact match", "token error rate", "2 references"})
    EXPECT_NE(table.out.find(row), std::string::npos) << row << " missing from:\n" << table.out;
}

TEST(ScoreCommand, MismatchedLineCountsAreOneLineErrors) {
  const auto hyp = write_temp("score_hyp3.txt", "a\nb\n");
  const auto ref = write_temp("score_ref3.txt", "a\n");
  const auto r = test::run_command(test::s2s_binary() + " score --hyp " + hyp + " --ref " + ref);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.err, "s2s: error: " + ref + " has 1 lines but the hypotheses " + hyp +
                       " have 2: one reference line per hypothesis line\n");
}

TEST(ScoreCommand, MissingFileAndBadUtf8AreOneLineErrors) {
  const auto hyp = write_temp("score_hyp4.txt", "ok\n\xFF\xFE bad\n");
  const auto ref = write_temp("score_ref4.txt", "ok\nfine\n");
  auto r = test::run_command(test::s2s_binary() + " score --hyp " + hyp + " --ref " + ref);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(hyp + ":2: not valid UTF-8"), std::string::npos) << r.err;
  r = test::run_command(test::s2s_binary() + " score --hyp /nonexistent/h.txt --ref " + ref);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "s2s: error: cannot read /nonexistent/h.txt: check the path\n");
  r = test::run_command(test::s2s_binary() + " score --hyp " + hyp);  // --ref is required
  EXPECT_NE(r.exit_code, 0);
}

}  // namespace
}  // namespace s2s
