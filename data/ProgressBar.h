#pragma once
// Progress of one long pass of `s2s prep`, with rate and ETA. On a terminal it redraws one
// line on stderr a few times a second; when stderr is a file or a CI log it writes a
// `[prep]` log line every 30 seconds instead, so logs stay short.
#include <chrono>
#include <cstdint>
#include <string>

namespace s2s {

class ProgressBar {
 public:
  // `total` is in `unit`s ("B" for bytes, "pairs"); 0 means unknown (no percentage/ETA).
  ProgressBar(std::string label, int64_t total, std::string unit);
  ~ProgressBar();

  // Cheap enough to call once per pair: it looks at the clock every 1024 calls.
  void update(int64_t done, int64_t pairs) {
    if ((++calls_ & 1023) == 0) maybe_draw(done, pairs);
  }
  void finish();  // clears the terminal line

  static std::string format_amount(double value, const std::string& unit);  // "12.3 MB", "45.6k pairs"
  static std::string format_duration(double seconds);                       // "1:02:03", "0:42"

 private:
  void maybe_draw(int64_t done, int64_t pairs);

  std::string label_;
  int64_t total_;
  std::string unit_;
  bool tty_;
  uint64_t calls_ = 0;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace s2s
