#pragma once
// Helpers shared by the data/ test files: scratch directories, small corpora written on the
// fly, and the Python (h5py, hashlib) oracle that reads our files independently.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/Error.h"
#include "data/CorpusBuilder.h"
#include "data/PrepOptions.h"
#include "data/TsvPairSource.h"

#include "tests/support/ScratchDir.h"

#include "tests/support/PythonOracle.h"
namespace s2s::test {


inline void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `count` lines of "source<TAB>target" over a small vocabulary, varied lengths.
inline std::string make_tsv(int count, int seed = 0) {
  static const char* words[] = {"the", "cat", "sat", "on", "a", "mat", "dog", "ran", "far", "away", "big", "red"};
  std::string out;
  unsigned state = 12345u + static_cast<unsigned>(seed);
  const auto rnd = [&](unsigned n) {
    state = state * 1103515245u + 12345u;
    return (state >> 16) % n;
  };
  for (int i = 0; i < count; ++i) {
    const unsigned ls = 1 + rnd(9);
    const unsigned lt = 1 + rnd(11);
    for (unsigned k = 0; k < ls; ++k) out += std::string(k ? " " : "") + words[rnd(12)];
    out += "\t";
    for (unsigned k = 0; k < lt; ++k) out += std::string(k ? " " : "") + words[rnd(12)] + "X";
    out += "\n";
  }
  return out;
}

inline PrepOptions quiet_options(const std::string& out_dir) {
  PrepOptions o;
  o.output_dir = out_dir;
  o.progress = false;
  return o;
}

// Builds a corpus from TSV text written to <scratch>/input.tsv.
inline Manifest build_from_tsv(const ScratchDir& scratch, const std::string& tsv, PrepOptions options) {
  const std::string input = scratch / "input.tsv";
  write_file(input, tsv);
  TsvPairSource source(input, options.max_line_bytes);
  return CorpusBuilder(std::move(options)).build(source);
}

// Runs `fn`, expects an s2s::Error whose message contains every one of `parts`.
inline void expect_error(const std::function<void()>& fn, const std::vector<std::string>& parts) {
  try {
    fn();
  } catch (const Error& e) {
    const std::string message = e.what();
    if (std::getenv("S2S_SHOW_ERRORS")) std::printf("error message: %s\n", message.c_str());
    for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << "message: " << message
                                                                                   << "\nmissing: " << part;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "error messages are one line: " << message;
    return;
  }
  ADD_FAILURE() << "expected an s2s::Error";
}


inline bool exists(const std::string& path) { return std::filesystem::exists(path); }

// Entries of `dir` (names only), sorted.
inline std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace s2s::test
