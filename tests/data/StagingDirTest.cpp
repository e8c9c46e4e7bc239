#include "data/StagingDir.h"

#include <gtest/gtest.h>

#include "tests/data/DataTestSupport.h"

namespace s2s {
namespace {

TEST(StagingDir, AppearsUnderTheFinalNameOnlyOnCommit) {
  test::ScratchDir dir;
  {
    StagingDir s(dir / "out", false);
    EXPECT_NE(s.path(), dir / "out");
    test::write_file(s.path() + "/x", "1");
    EXPECT_FALSE(test::exists(dir / "out"));
    s.commit();
  }
  EXPECT_EQ(test::read_file(dir / "out/x"), "1");
  EXPECT_EQ(test::list_dir(dir.path()), std::vector<std::string>{"out"});
}

TEST(StagingDir, LeavesNothingBehindWhenNotCommitted) {
  test::ScratchDir dir;
  {
    StagingDir s(dir / "out", false);
    test::write_file(s.path() + "/x", "1");
  }
  EXPECT_TRUE(test::list_dir(dir.path()).empty());
}

TEST(StagingDir, RefusesAnExistingDirectoryUnlessForced) {
  test::ScratchDir dir;
  std::filesystem::create_directory(dir / "out");
  test::write_file(dir / "out/old", "old");
  test::expect_error([&] { StagingDir s(dir / "out", false); }, {"out", "already exists", "--force"});
  {
    StagingDir s(dir / "out/", true);
    test::write_file(s.path() + "/new", "new");
    EXPECT_TRUE(test::exists(dir / "out/old"));  // untouched until commit
    s.commit();
  }
  EXPECT_EQ(test::list_dir(dir / "out"), std::vector<std::string>{"new"});
  EXPECT_EQ(test::list_dir(dir.path()), std::vector<std::string>{"out"});
}

}  // namespace
}  // namespace s2s
