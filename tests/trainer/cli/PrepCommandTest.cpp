// Specification of `s2s prep` and `s2s inspect` as a user meets them: a corpus directory
// appears only when complete; bad input is one line naming the file (and line), exit 1, and
// no directory left behind; inspect verifies checksums.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/Subprocess.h"

namespace s2s {
namespace {

namespace fs = std::filesystem;

std::string fresh_dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "s2s_prep_" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

bool one_line(const std::string& err) {
  return err.rfind("s2s: error: ", 0) != std::string::npos || err.find("\ns2s: error: ") != std::string::npos;
}

TEST(PrepCommand, ALineWithoutATabIsNamedAndLeavesNoCorpus) {
  const std::string dir = fresh_dir("no_tab");
  std::ofstream(dir + "/pairs.tsv") << "a b\tB A\nc d without tab\ne\tE\n";
  const auto r = test::run_command(test::s2s_binary() + " prep --no-progress --tsv " + dir +
                                   "/pairs.tsv " + dir + "/corpus");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(one_line(r.err)) << r.err;
  EXPECT_NE(r.err.find(dir + "/pairs.tsv:2"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/corpus"));
  for (const auto& entry : fs::directory_iterator(dir))  // no staging leftovers either
    EXPECT_EQ(entry.path().filename(), "pairs.tsv") << entry.path();
}

TEST(PrepCommand, AMissingInputIsNamed) {
  const std::string dir = fresh_dir("missing");
  const auto r = test::run_command(test::s2s_binary() + " prep --no-progress --tsv " + dir +
                                   "/nope.tsv " + dir + "/corpus");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(dir + "/nope.tsv"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/corpus"));
}

TEST(PrepCommand, AnExistingCorpusIsKeptUnlessForced) {
  const std::string dir = fresh_dir("existing");
  const std::string prep = test::s2s_binary() + " prep --no-progress --sample --sample-pairs 3000 ";
  ASSERT_EQ(test::run_command(prep + dir + "/corpus").exit_code, 0);
  const auto again = test::run_command(prep + dir + "/corpus");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(test::run_command(prep + "--force " + dir + "/corpus").exit_code, 0);
}

TEST(InspectCommand, VerifiesChecksumsAndNamesACorruptShard) {
  const std::string dir = fresh_dir("inspect");
  ASSERT_EQ(test::run_command(test::s2s_binary() + " prep --no-progress --sample --sample-pairs 3000 " +
                              dir + "/corpus").exit_code,
            0);
  const auto good = test::run_command(test::s2s_binary() + " inspect " + dir + "/corpus");
  EXPECT_EQ(good.exit_code, 0) << good.err;

  const std::string shard = dir + "/corpus/shard-00000.h5";
  {
    std::fstream f(shard, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(shard) / 2));
    f.put('\x5a');
  }
  const auto bad = test::run_command(test::s2s_binary() + " inspect " + dir + "/corpus");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE((bad.out + bad.err).find("shard-00000.h5"), std::string::npos) << bad.out << bad.err;
}

}  // namespace
}  // namespace s2s
