#include "trainer/checkpoint/RunDirLock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/Check.h"
#include "core/HostName.h"

namespace s2s {

RunDirLock::RunDirLock(const std::string& run_dir) : path_(run_dir + "/.lock") {
  std::error_code ec;
  std::filesystem::create_directories(run_dir, ec);
  S2S_CHECK(!ec, "cannot create the run directory {}: {}", run_dir, ec.message());
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  S2S_CHECK(fd_ >= 0, "cannot open {}: {}; check that the run directory is writable", path_, std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    std::ifstream in(path_);
    std::stringstream holder;
    holder << in.rdbuf();
    std::string who = holder.str();
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK)
      S2S_FAIL("run directory {} is in use by another s2s train ({}): wait for it to end, stop it, or give this run "
               "another run.dir",
               run_dir, who.empty() ? "holder unknown" : who);
    S2S_FAIL("cannot lock {}: {}", path_, std::strerror(error));
  }
  // Who holds it, for the error a second run prints. Rewritten in place: the lock is ours.
  const std::string me = fmt::format("pid {} on {}\n", static_cast<long>(::getpid()), host_name());
  if (::ftruncate(fd_, 0) == 0) {
    const ssize_t written = ::pwrite(fd_, me.data(), me.size(), 0);
    (void)written;  // only a diagnostic: the lock itself is what matters
  }
}

RunDirLock::~RunDirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace s2s
