#pragma once
// Timing helpers shared by the benchmark drivers.
#include <algorithm>
#include <chrono>
#include <vector>

namespace s2s::bench {

using Clock = std::chrono::steady_clock;

// Seconds since `t`.
inline double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The median of `v` (the upper one for an even count): robust to a run disturbed by the machine.
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace s2s::bench
