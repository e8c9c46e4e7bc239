#pragma once
// Component-tagged logging: every line says which part of s2s wrote it.
//
//   static const s2s::Log log("data");
//   log.info("{} shards, {} pairs", shards, pairs);   // -> [12:00:01] [data] 4 shards, ...
//
// Rank 0 logs at the configured level; other ranks log warnings and errors only, prefixed
// with their rank, so an N-rank job prints one progress stream. Formatting happens here in
// the caller (fmt), the writing in Log.cpp (spdlog), which keeps spdlog's headers out of
// every translation unit that also sees LibTorch's bundled fmt.
#include <fmt/format.h>

#include <string>
#include <utility>

namespace s2s {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

class Log {
 public:
  explicit Log(std::string component) : component_(std::move(component)) {}

  template <class... Args>
  void debug(fmt::format_string<Args...> f, Args&&... args) const {
    if (enabled(LogLevel::kDebug)) write(LogLevel::kDebug, fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void info(fmt::format_string<Args...> f, Args&&... args) const {
    if (enabled(LogLevel::kInfo)) write(LogLevel::kInfo, fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void warn(fmt::format_string<Args...> f, Args&&... args) const {
    if (enabled(LogLevel::kWarn)) write(LogLevel::kWarn, fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void error(fmt::format_string<Args...> f, Args&&... args) const {
    if (enabled(LogLevel::kError)) write(LogLevel::kError, fmt::format(f, std::forward<Args>(args)...));
  }

  // Sets the process-wide threshold and the rank (rank != 0 raises the threshold to warn
  // and prefixes lines with "rank N"). Call once at start-up; safe to call again.
  static void configure(LogLevel level, int rank = 0);
  // Parses "debug", "info", "warn", "error", "off"; throws s2s::Error otherwise.
  static LogLevel parse_level(const std::string& name);
  // Also writes every line that passes the threshold to `path` (appending), e.g. a run's
  // RUN_DIR/train.log; throws s2s::Error if the file cannot be opened.
  static void add_file(const std::string& path);
  static bool enabled(LogLevel level);

  const std::string& component() const { return component_; }

 private:
  void write(LogLevel level, const std::string& message) const;
  std::string component_;
};

}  // namespace s2s
