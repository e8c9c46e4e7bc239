// DurableFile::write_atomically (config.yaml, and every small file of a run): the file is
// replaced whole or not at all; a failure (no directory, a full disk) is one error naming the
// file, with the old file as it was and no temporary left.
#include "trainer/checkpoint/DurableFile.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/Error.h"
#include "tests/support/ScratchDir.h"
#include "tests/support/Subprocess.h"

namespace s2s {
namespace {

namespace fs = std::filesystem;

int files_in(const std::string& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
  return n;
}

TEST(DurableFile, WriteAtomicallyReplacesTheWholeFile) {
  test::ScratchDir scratch("s2s-durable");
  const std::string path = scratch / "config.yaml";
  DurableFile::write_atomically(path, "a: 1\nb: 2\n");
  DurableFile::write_atomically(path, "a: 3\n");
  EXPECT_EQ(test::read_text(path), "a: 3\n");
  EXPECT_EQ(files_in(scratch.path()), 1);  // no temporary
}

TEST(DurableFile, WriteAtomicallyIntoAMissingDirectoryNamesTheFile) {
  test::ScratchDir scratch("s2s-durable");
  const std::string path = scratch / "gone/config.yaml";
  try {
    DurableFile::write_atomically(path, "a: 1\n");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create " + path + ".tmp-"), std::string::npos) << e.what();
  }
}

TEST(DurableFile, WriteAtomicallyOnAFullDiskLeavesTheOldFile) {
  test::ScratchDir scratch("s2s-durable");
  const std::string mnt = scratch / "disk";
  fs::create_directories(mnt);
  if (::geteuid() != 0 || std::system(("mount -t tmpfs -o size=64k tmpfs " + mnt + " 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "needs root to mount a 64 kB tmpfs";
  const std::string path = mnt + "/config.yaml";
  DurableFile::write_atomically(path, "old: 1\n");
  std::string error;
  try {
    DurableFile::write_atomically(path, std::string(200 * 1024, 'x'));
  } catch (const Error& e) {
    error = e.what();
  }
  const std::string old = test::read_text(path);
  const int files = files_in(mnt);
  std::system(("umount " + mnt).c_str());
  EXPECT_NE(error.find("cannot write " + path + ".tmp-"), std::string::npos) << error;
  EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
  EXPECT_EQ(old, "old: 1\n");
  EXPECT_EQ(files, 1) << "a temporary was left behind";
}

}  // namespace
}  // namespace s2s
