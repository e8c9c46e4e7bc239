#pragma once
// Runs a shell command for a test and captures what a user would see: exit code, stdout and
// stderr. Tests of the `s2s` binary use it to check exit codes and one-line errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace s2s::test {

struct CommandResult {
  int exit_code = -1;  // the process's exit status (128 + N if killed by signal N)
  std::string out;     // everything written to stdout
  std::string err;     // everything written to stderr
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes `text` to `name` in the test's temporary directory and returns the path.
inline std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

// Runs `command` with /bin/sh; stderr goes to a temporary file so both streams are kept.
inline CommandResult run_command(const std::string& command) {
  char err_path[] = "/tmp/s2s-test-stderr-XXXXXX";
  const int fd = mkstemp(err_path);
  if (fd >= 0) close(fd);
  CommandResult r;
  FILE* pipe = popen((command + " 2>" + err_path).c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.err = read_text(err_path);
  std::remove(err_path);
  return r;
}

// Path of the `s2s` binary of this build.
inline std::string s2s_binary() { return S2S_BINARY_DIR "/s2s"; }

}  // namespace s2s::test
