#include "data/ProgressBar.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "core/Log.h"

namespace s2s {
namespace {
const Log log("prep");
}

ProgressBar::ProgressBar(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      tty_(::isatty(::fileno(stderr)) == 1 && Log::enabled(LogLevel::kInfo)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

std::string ProgressBar::format_amount(double value, const std::string& unit) {
  const bool bytes = unit == "B";
  const char* suffix = "";
  const double base = bytes ? 1024.0 : 1000.0;
  if (value >= base * base * base) {
    value /= base * base * base;
    suffix = bytes ? "Gi" : "G";
  } else if (value >= base * base) {
    value /= base * base;
    suffix = bytes ? "Mi" : "M";
  } else if (value >= base) {
    value /= base;
    suffix = bytes ? "Ki" : "k";
  }
  return bytes ? fmt::format("{:.1f} {}B", value, suffix) : fmt::format("{:.1f}{} {}", value, suffix, unit);
}

std::string ProgressBar::format_duration(double seconds) {
  const auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

void ProgressBar::maybe_draw(int64_t done, int64_t pairs) {
  const auto now = std::chrono::steady_clock::now();
  const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
  if (since_draw < (tty_ ? 0.25 : 30.0)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::string line = fmt::format("[prep] {}", label_);
  if (total_ > 0) {
    const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
    const int width = 24;
    const int filled = static_cast<int>(fraction * width);
    line += fmt::format(" [{}{}] {:3.0f}% {}/{}", std::string(static_cast<size_t>(filled), '#'),
                        std::string(static_cast<size_t>(width - filled), '.'), 100 * fraction,
                        format_amount(static_cast<double>(done), unit_),
                        format_amount(static_cast<double>(total_), unit_));
    if (fraction > 0) line += fmt::format(" ETA {}", format_duration(elapsed * (1 - fraction) / fraction));
  }
  if (elapsed > 0) line += fmt::format(" {}/s", format_amount(static_cast<double>(pairs) / elapsed, "pairs"));
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    drawn_ = true;
  } else {
    log.info("{}", line.substr(7));  // the logger adds the [prep] tag itself
  }
}

void ProgressBar::finish() {
  if (drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace s2s
