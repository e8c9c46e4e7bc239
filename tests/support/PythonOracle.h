#pragma once
// Runs a Python script with the tests' oracle interpreter (S2S_PYTHON: a venv with h5py,
// numpy and sacrebleu), the independent implementation our files and numbers are checked
// against.
#include <cstdio>
#include <fstream>
#include <string>

namespace s2s::test {

// Writes `script` to SCRATCH_DIR/oracle.py, runs it, returns its stdout and stderr; on a
// non-zero exit the text starts with "python failed (<status>): ".
inline std::string run_python(const std::string& script, const std::string& scratch_dir) {
  const std::string path = scratch_dir + "/oracle.py";
  std::ofstream(path, std::ios::binary) << script;
  const std::string command = std::string(S2S_PYTHON) + " " + path + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return "popen failed";
  std::string out;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = ::pclose(pipe);
  if (status != 0) out = "python failed (" + std::to_string(status) + "): " + out;
  return out;
}

}  // namespace s2s::test
