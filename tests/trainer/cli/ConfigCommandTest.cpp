// Specification of `s2s config --dump` as a user meets it: resolved YAML on stdout, and for
// bad input one line on stderr and a non-zero exit.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "tests/support/Subprocess.h"

namespace s2s {
namespace {

using test::write_temp;

TEST(ConfigCommand, DumpAppliesFileThenOverrides) {
  const std::string file = write_temp("cfg_ok.yaml", "model:\n  cell: lstm\n  embed_dim: 8\n");
  const auto r = test::run_command(test::s2s_binary() + " config --dump " + file +
                                   " model.embed_dim=32 run.seed=7");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("  cell: lstm\n"), std::string::npos);
  EXPECT_NE(r.out.find("  embed_dim: 32\n"), std::string::npos);
  EXPECT_NE(r.out.find("  seed: 7\n"), std::string::npos);
}

TEST(ConfigCommand, BadConfigIsOneLineAndNonZeroExit) {
  const std::string file = write_temp("cfg_bad.yaml", "model:\n  embd_dim: 8\n");
  const auto r = test::run_command(test::s2s_binary() + " config --dump " + file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.err, "s2s: error: " + file +
                       ":2:3: unknown key 'model.embd_dim'; did you mean 'model.embed_dim'? "
                       "(configs/reference.yaml lists every key)\n");
}

TEST(ConfigCommand, HelpListsSubcommands) {
  const auto r = test::run_command(test::s2s_binary() + " --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("config"), std::string::npos);
}

}  // namespace
}  // namespace s2s
