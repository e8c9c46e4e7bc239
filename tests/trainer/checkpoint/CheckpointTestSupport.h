#pragma once
// Helpers of the checkpoint specifications: scratch run directories, small states, the
// Python (h5py, hashlib) oracle, capturing what the store logs, and "resealing" a file
// that a test edited on purpose (so that the reader gets past the checksum to the damage).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/Error.h"
#include "core/Log.h"
#include "data/Sha256.h"
#include "trainer/checkpoint/CheckpointState.h"
#include "trainer/checkpoint/CheckpointStore.h"

#include "tests/support/ScratchDir.h"

#include "tests/support/PythonOracle.h"
namespace s2s::test {


inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// Names in `dir`, sorted.
inline std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}


// Everything the store logs from now on (s2s::Log can add a file, never remove one: one file
// for the whole test binary, read from where it ended when the capture began).
class LogCapture {
 public:
  LogCapture() : start_(std::filesystem::exists(path()) ? std::filesystem::file_size(path()) : 0) {}
  std::string text() const { return read_file(path()).substr(start_); }

 private:
  static const std::string& path() {
    static const std::string p = [] {
      const std::string file =
          (std::filesystem::temp_directory_path() / ("s2s-ckpt-test-log-" + std::to_string(::getpid()))).string();
      std::remove(file.c_str());
      Log::add_file(file);
      static std::string to_remove = file;  // the open file may be unlinked; Linux keeps writing it
      std::atexit([] { std::remove(to_remove.c_str()); });
      return file;
    }();
    return p;
  }
  size_t start_;
};

// Expects `f` to throw a one-line s2s::Error that contains every one of `parts`.
template <class F>
std::string expect_error(F&& f, const std::vector<std::string>& parts) {
  try {
    f();
  } catch (const Error& e) {
    const std::string message = e.what();
    for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "error messages are one line: " << message;
    return message;
  }
  ADD_FAILURE() << "expected an s2s::Error";
  return "";
}

// A small but complete state: 2 ranks, a few tensors, every kind of scalar.
inline CheckpointState small_state(int64_t step, double loss = std::numeric_limits<double>::quiet_NaN()) {
  CheckpointState s;
  s.step = step;
  s.epoch = 1 + step / 1000;
  s.config_yaml = "run:\n  dir: runs/test\ntrain:\n  lr: 0.001\n";
  s.vocab_hashes = {{"src", std::string(64, 'a')}, {"tgt", std::string(64, 'b')}};
  if (!std::isnan(loss)) s.metrics["loss"] = loss;
  s.scalars["plateau_scale"] = 0.5;
  s.scalars["nonfinite_in_row"] = int64_t{0};
  s.scalars["optimizer"] = std::string("adam");
  s.tensors["model/encoder.embedding.weight"] =
      torch::arange(step, step + 24, torch::kFloat32).reshape({4, 6}) / 7.0f;
  s.tensors["model/decoder.out.bias"] = torch::full({5}, static_cast<float>(step));
  s.tensors["optimizer/encoder.embedding.weight/step"] = torch::tensor(step, torch::kInt64);
  for (int r = 0; r < 2; ++r) {
    CheckpointState::Rank rank;
    rank.cursor = "s2s-cursor/1 epoch=1 position=" + std::to_string(step + r) + " seed=1 plan=00000000000000ab";
    rank.cpu_rng_state = std::vector<uint8_t>(40, static_cast<uint8_t>(r + 1));
    s.ranks.push_back(rank);
  }
  return s;
}

// After a test edited `file` of `store` on purpose: records its new size and SHA-256 in
// manifest.json and latest.json, as if it had been written that way.
inline void reseal(const CheckpointStore& store, const std::string& file) {
  const std::string path = store.dir() + "/" + file;
  const std::string sha = Sha256::of_file(path);
  const auto bytes = static_cast<int64_t>(std::filesystem::file_size(path));
  for (const std::string name : {"manifest.json", "latest.json"}) {
    auto j = nlohmann::json::parse(read_file(store.dir() + "/" + name));
    if (j.contains("checkpoints")) {
      for (auto& e : j["checkpoints"]) {
        if (e["file"] == file) e["sha256"] = sha, e["bytes"] = bytes;
      }
    } else if (j["file"] == file) {
      j["sha256"] = sha, j["bytes"] = bytes;
    }
    write_file(store.dir() + "/" + name, j.dump(1));
  }
}

}  // namespace s2s::test
