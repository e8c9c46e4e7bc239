// RunDirLock: one training per run directory, also where flock(2) fails (Lustre without
// flock, some NFS): then the lock is an O_EXCL owner file; a stale one of this host is taken
// over, one of another host refuses the run with what to do. flock is interposed here (this
// binary's own definition wins over libc's) so that a test can make it fail as such a file
// system does.
#include "trainer/checkpoint/RunDirLock.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/Error.h"
#include "core/HostName.h"
#include "tests/support/Subprocess.h"

namespace {
int flock_error = 0;  // non-zero: flock fails with this errno
}

extern "C" int flock(int fd, int operation) {
  if (flock_error != 0) {
    errno = flock_error;
    return -1;
  }
  using Real = int (*)(int, int);
  static const auto real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "flock"));
  return real(fd, operation);
}

namespace s2s {
namespace {

namespace fs = std::filesystem;

std::string fresh_run_dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "s2s_lock_" + name;
  fs::remove_all(dir);
  return dir;
}

std::string me() { return "pid " + std::to_string(::getpid()) + " on " + host_name(); }

// The message of the s2s::Error that taking the lock throws ("" when it does not).
std::string refusal(const std::string& dir) {
  try {
    RunDirLock lock(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(RunDirLock, ASecondHolderIsRefusedNamingTheFirst) {
  const std::string dir = fresh_run_dir("flock");
  RunDirLock held(dir);
  EXPECT_TRUE(held.owner_file().empty());
  EXPECT_NE(refusal(dir).find("run directory " + dir + " is in use by another s2s train (" + me() + ")"),
            std::string::npos);
}

TEST(RunDirLock, WhereFlockFailsAnOwnerFileLocksTheDirectory) {
  for (const int error : {ENOLCK, EOPNOTSUPP, ENOSYS}) {
    flock_error = error;
    const std::string dir = fresh_run_dir("owner_file_" + std::to_string(error));
    {
      RunDirLock held(dir);
      ASSERT_EQ(held.owner_file(), dir + "/.lock.owner");
      EXPECT_EQ(test::read_text(held.owner_file()), me() + "\n");
      const std::string second = refusal(dir);
      EXPECT_NE(second.find("run directory " + dir + " is in use by another s2s train (" + me() +
                            "; flock is not supported on this file system"),
                std::string::npos)
          << second;
      EXPECT_NE(second.find("delete " + dir + "/.lock.owner and start again"), std::string::npos) << second;
      EXPECT_TRUE(fs::exists(held.owner_file())) << "the refused run removed the holder's lock";
    }
    EXPECT_FALSE(fs::exists(dir + "/.lock.owner")) << "the lock outlived its run";
    EXPECT_EQ(refusal(dir), "") << "a run after the first ended is refused";
  }
  flock_error = 0;
}

TEST(RunDirLock, AStaleOwnerFileOfThisHostIsTakenOver) {
  flock_error = ENOLCK;
  const std::string dir = fresh_run_dir("stale");
  fs::create_directories(dir);
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);  // a pid that no longer runs
  std::ofstream(dir + "/.lock.owner") << "pid " << child << " on " << host_name() << "\n";
  {
    RunDirLock held(dir);
    EXPECT_EQ(test::read_text(dir + "/.lock.owner"), me() + "\n");
  }
  EXPECT_FALSE(fs::exists(dir + "/.lock.owner"));
  flock_error = 0;
}

TEST(RunDirLock, AnOwnerFileOfAnotherHostRefusesTheRunSayingWhatToDo) {
  flock_error = EOPNOTSUPP;
  const std::string dir = fresh_run_dir("other_host");
  fs::create_directories(dir);
  std::ofstream(dir + "/.lock.owner") << "pid 1 on node-that-is-not-this-one\n";
  const std::string message = refusal(dir);
  EXPECT_NE(message.find("in use by another s2s train (pid 1 on node-that-is-not-this-one; flock is not "
                         "supported on this file system, so the lock is the file " + dir + "/.lock.owner)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("if that run has ended (crashed), delete " + dir + "/.lock.owner"), std::string::npos);
  EXPECT_EQ(test::read_text(dir + "/.lock.owner"), "pid 1 on node-that-is-not-this-one\n");
  flock_error = 0;
}

}  // namespace
}  // namespace s2s
