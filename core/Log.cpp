#include "core/Log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>

#include "core/Check.h"

namespace s2s {
namespace {

std::atomic<int> g_threshold{static_cast<int>(LogLevel::kInfo)};
std::atomic<int> g_rank{0};

// One logger for the whole process, writing to stderr (stdout is for results, e.g. the
// translations of `s2s translate`). The component and rank go into the message itself.
spdlog::logger& sink() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_color_mt("s2s");
    l->set_pattern("%^[%H:%M:%S] %v%$");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return *logger;
}

}  // namespace

void Log::add_file(const std::string& path) {
  try {
    auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
    file->set_pattern("[%Y-%m-%d %H:%M:%S] %v");
    sink().sinks().push_back(std::move(file));
  } catch (const spdlog::spdlog_ex& e) {
    S2S_FAIL("cannot open the log file '{}': {}", path, e.what());
  }
}

void Log::configure(LogLevel level, int rank) {
  int threshold = static_cast<int>(level);
  if (rank != 0) threshold = std::max(threshold, static_cast<int>(LogLevel::kWarn));
  g_threshold = threshold;
  g_rank = rank;
}

LogLevel Log::parse_level(const std::string& name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  if (name == "off") return LogLevel::kOff;
  S2S_FAIL("unknown log level '{}': use one of debug, info, warn, error, off", name);
}

bool Log::enabled(LogLevel level) { return static_cast<int>(level) >= g_threshold.load(); }

void Log::write(LogLevel level, const std::string& message) const {
  const int rank = g_rank.load();
  std::string line = rank == 0 ? fmt::format("[{}] {}", component_, message)
                               : fmt::format("[rank {}] [{}] {}", rank, component_, message);
  switch (level) {
    case LogLevel::kDebug: sink().debug(line); break;
    case LogLevel::kInfo: sink().info(line); break;
    case LogLevel::kWarn: sink().warn(line); break;
    case LogLevel::kError: sink().error(line); break;
    case LogLevel::kOff: break;
  }
}

}  // namespace s2s
