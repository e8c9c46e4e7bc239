#pragma once
// The one clock of s2s for durations (timings, budgets, ETAs): steady, never set back.
#include <chrono>

namespace s2s {

using Clock = std::chrono::steady_clock;

// Seconds from `start` to now.
inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace s2s
