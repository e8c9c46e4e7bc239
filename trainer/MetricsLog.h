#pragma once
// The machine-readable record of a run: one JSON object per line (JSONL) in
// RUN_DIR/metrics.jsonl, appended and flushed line by line so that a crash loses at most
// the line being written, and `s2s plot` or pandas can read it while training runs.
//
//   {"kind":"train","step":100,"epoch":1,"loss":2.31,"ppl":10.1,"lr":0.001,...}
//   {"kind":"valid","step":500,"loss":1.92,"ppl":6.8,"tokens":12034}
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

namespace s2s {

class MetricsLog {
 public:
  // Opens `path` for appending (a resumed run continues the same file).
  explicit MetricsLog(const std::string& path);

  void write(const nlohmann::json& record);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace s2s
