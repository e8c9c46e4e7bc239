#include "trainer/checkpoint/RunDirLock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/Check.h"
#include "core/HostName.h"
#include "core/Log.h"

namespace s2s {
namespace {

const Log log("ckpt");

std::string read_holder(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string who = text.str();
  while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
  return who;
}

std::string me() { return fmt::format("pid {} on {}", static_cast<long>(::getpid()), host_name()); }

// "pid P on HOST" of a process of this host that no longer exists.
bool stale(const std::string& holder) {
  long pid = 0;
  char host[256] = {};
  if (std::sscanf(holder.c_str(), "pid %ld on %255s", &pid, host) != 2 || pid <= 0) return false;
  if (host != host_name()) return false;  // cannot tell from here
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

RunDirLock::RunDirLock(const std::string& run_dir) : path_(run_dir + "/.lock") {
  std::error_code ec;
  std::filesystem::create_directories(run_dir, ec);
  S2S_CHECK(!ec, "cannot create the run directory {}: {}", run_dir, ec.message());
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  S2S_CHECK(fd_ >= 0, "cannot open {}: {}; check that the run directory is writable", path_, std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const std::string who = read_holder(path_);
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK)
      S2S_FAIL("run directory {} is in use by another s2s train ({}): wait for it to end, stop it, or give this run "
               "another run.dir",
               run_dir, who.empty() ? "holder unknown" : who);
    lock_by_owner_file(run_dir, error);
    return;
  }
  // Who holds it, for the error a second run prints. Rewritten in place: the lock is ours.
  const std::string line = me() + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    const ssize_t written = ::pwrite(fd_, line.data(), line.size(), 0);
    (void)written;  // only a diagnostic: the lock itself is what matters
  }
}

bool RunDirLock::create_owner_file() {
  const int fd = ::open(owner_file_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST) return false;
  S2S_CHECK(fd >= 0, "cannot create the lock file {}: {}; check that the run directory is writable", owner_file_,
            std::strerror(errno));
  const std::string line = me() + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    const int error = errno;
    std::remove(owner_file_.c_str());
    S2S_FAIL("cannot write the lock file {}: {} (disk full?)", owner_file_, std::strerror(error));
  }
  return true;
}

void RunDirLock::lock_by_owner_file(const std::string& run_dir, int flock_error) {
  owner_file_ = run_dir + "/.lock.owner";
  log.info("flock on {} is not supported here ({}): using the lock file {} instead", path_,
           std::strerror(flock_error), owner_file_);
  if (create_owner_file()) return;
  const std::string holder = read_holder(owner_file_);
  if (stale(holder)) {
    // Taken over by renaming it away first: of two runs that both found it stale, one rename
    // wins; the other finds the winner's new file and is refused below.
    const std::string aside = owner_file_ + ".stale-" + std::to_string(::getpid());
    if (std::rename(owner_file_.c_str(), aside.c_str()) == 0 && read_holder(aside) == holder) {
      std::remove(aside.c_str());
      log.warn("removed the stale lock file {} of {}, which no longer runs", owner_file_, holder);
      if (create_owner_file()) return;
    } else if (!read_holder(aside).empty()) {
      ::link(aside.c_str(), owner_file_.c_str());  // not the stale one: put it back
      std::remove(aside.c_str());
    }
  }
  const std::string now = read_holder(owner_file_);
  const std::string file = owner_file_;
  owner_file_.clear();  // not ours: the destructor must leave it
  S2S_FAIL("run directory {} is in use by another s2s train ({}; flock is not supported on this file system, so "
           "the lock is the file {}): wait for it to end or give this run another run.dir; if that run has ended "
           "(crashed), delete {} and start again",
           run_dir, now.empty() ? "holder unknown" : now, file, file);
}

RunDirLock::~RunDirLock() {
  if (!owner_file_.empty()) std::remove(owner_file_.c_str());
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace s2s
