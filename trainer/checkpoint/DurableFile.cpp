#include "trainer/checkpoint/DurableFile.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/Check.h"

namespace s2s {
namespace {

std::string parent_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// Closes a descriptor on every path out of a function.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

void DurableFile::sync_file(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  S2S_CHECK(f.fd >= 0, "cannot open {} to sync it: {}", path, std::strerror(errno));
  S2S_CHECK(::fsync(f.fd) == 0, "cannot sync {} to disk: {} (disk full or failing?)", path, std::strerror(errno));
}

void DurableFile::sync_dir(const std::string& dir) {
  Fd f{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  S2S_CHECK(f.fd >= 0, "cannot open directory {} to sync it: {}", dir, std::strerror(errno));
  S2S_CHECK(::fsync(f.fd) == 0, "cannot sync directory {} to disk: {}", dir, std::strerror(errno));
}

void DurableFile::write_synced(const std::string& path, const std::string& text) {
  Fd f{::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  S2S_CHECK(f.fd >= 0, "cannot create {}: {}", path, std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(f.fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    S2S_CHECK(n > 0, "cannot write {}: {} (disk full?)", path, std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  S2S_CHECK(::fsync(f.fd) == 0, "cannot sync {} to disk: {} (disk full or failing?)", path, std::strerror(errno));
  const int fd = f.fd;
  f.fd = -1;
  S2S_CHECK(::close(fd) == 0, "cannot finish writing {}: {} (disk full?)", path, std::strerror(errno));
}

void DurableFile::write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = temp_name(path);
  try {
    write_synced(tmp, text);
    rename_synced(tmp, path);
  } catch (const Error&) {
    std::remove(tmp.c_str());
    throw;
  }
}

void DurableFile::rename_synced(const std::string& from, const std::string& to) {
  S2S_CHECK(std::rename(from.c_str(), to.c_str()) == 0, "cannot rename {} to {}: {}", from, to,
            std::strerror(errno));
  sync_dir(parent_of(to));
}

std::string DurableFile::temp_name(const std::string& path) {
  return path + ".tmp-" + std::to_string(::getpid());
}

bool DurableFile::is_temp_name(const std::string& file_name) {
  return file_name.find(".tmp-") != std::string::npos;
}

}  // namespace s2s
