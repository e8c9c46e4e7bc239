#include "trainer/comm/CollectiveWatchdog.h"

#include <fmt/format.h>

#include <utility>

namespace s2s {

CollectiveWatchdog::CollectiveWatchdog(CollectiveWatchdogOptions options)
    : options_(std::move(options)) {
  if (options_.timeout_s > 0 || options_.poll) thread_ = std::thread([this] { loop(); });
}

CollectiveWatchdog::~CollectiveWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CollectiveWatchdog::arm(std::string label, int64_t arrival) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!thread_.joinable()) return;
  label_ = std::move(label);
  arrival_ = arrival;
  armed_ = true;
  deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(options_.timeout_s));
  // No notify: the thread wakes every tick anyway, and a notify per collective would cost a
  // futex call on the training thread.
}

void CollectiveWatchdog::disarm() {
  std::lock_guard<std::mutex> lock(mutex_);
  armed_ = false;
}

void CollectiveWatchdog::loop() {
  const auto tick = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(options_.tick_s > 0 ? options_.tick_s : 0.1));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    changed_.wait_for(lock, tick, [this] { return stop_; });
    if (stop_ || !armed_) continue;
    std::string problem;
    if (options_.poll) {
      lock.unlock();
      problem = options_.poll();
      lock.lock();
      if (stop_ || !armed_) continue;
    }
    const bool late = options_.timeout_s > 0 && Clock::now() >= deadline_;
    if (problem.empty() && !late) continue;

    // Fire once for this arm: copy what the report needs, then call out without the lock
    // (the expiry action may take long, or abort the process).
    const std::string label = label_;
    const int64_t arrival = arrival_;
    armed_ = false;
    lock.unlock();
    std::string who = options_.missing ? options_.missing(arrival) : std::string();
    if (who.empty()) who = "ranks that did not arrive: unknown";
    const std::string report =
        problem.empty()
            ? fmt::format("{} did not complete within {}s; {}", label, options_.timeout_s, who)
            : fmt::format("{} failed: {}; {}", label, problem, who);
    if (options_.expired) options_.expired(report);
    lock.lock();
  }
}

}  // namespace s2s
