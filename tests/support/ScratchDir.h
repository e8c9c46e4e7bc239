#pragma once
// A fresh directory under the system temp dir for one test, removed with everything in it
// at the end (tests that write corpora, checkpoints or run directories).
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace s2s::test {

class ScratchDir {
 public:
  // `prefix` names the directory (e.g. "s2s-data-test") so a leftover one says whose it is.
  explicit ScratchDir(const std::string& prefix = "s2s-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    const char* made = ::mkdtemp(tmpl.data());
    if (!made) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path_ = made;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace s2s::test
