#pragma once
// A timer for blocking collectives, on its own thread: a rank that waits in a collective for
// a peer that never comes (hung, stopped, partitioned away) reports it and ends the job
// instead of hanging for ever.
//
//   CollectiveWatchdog watchdog(options);            // timeout, what to do on expiry
//   {
//     CollectiveWatchdog::Scope armed(watchdog, fmt::format("gradient all-reduce, step {}", step));
//     comm.all_reduce_sum(t);                        // must complete within the timeout
//   }                                                // disarmed
//
// On expiry it calls options.expired with one line: "<label> did not complete within <N>s;
// <who is missing>", where the second part comes from options.missing (given the arrival
// number the arm was made with; see ArrivalTracker) when there is one. The default expiry action is the
// caller's to choose: the trainer logs the line and aborts the job (MPI_Abort); tests record
// it. While armed it also polls options.poll (e.g. NCCL's asynchronous error) every tick and
// treats a non-empty answer like an expiry.
//
// One arm at a time: arming again replaces the label and restarts the clock. Cheap: arm()
// and disarm() take a mutex and notify a condition variable; no system call otherwise.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace s2s {

struct CollectiveWatchdogOptions {
  double timeout_s = 600;  // a collective that takes longer expires; 0 = no watchdog
  double tick_s = 0.1;     // how often the thread looks at the clock and polls
  // Called (on the watchdog's thread) with the report line; it should not return (abort),
  // but if it does the watchdog stays quiet until the next arm.
  std::function<void(const std::string& report)> expired;
  // "ranks that did not arrive: 1, 3" for the arm made with this arrival number; "" = unknown.
  std::function<std::string(int64_t arrival)> missing;
  // An asynchronous communication error ("" when none), polled while armed.
  std::function<std::string()> poll;
};

class CollectiveWatchdog {
 public:
  // The exit code of a job that the trainer's watchdog ended (EX_SOFTWARE); not 75, so a
  // batch script does not requeue a job that hangs into the same hang.
  static constexpr int kTimeoutExitCode = 70;

  // With timeout_s == 0 and no poll, no thread is started and arm()/disarm() do nothing.
  explicit CollectiveWatchdog(CollectiveWatchdogOptions options);
  ~CollectiveWatchdog();  // stops the thread (never fires after it returns)
  CollectiveWatchdog(const CollectiveWatchdog&) = delete;
  CollectiveWatchdog& operator=(const CollectiveWatchdog&) = delete;

  // Starts the clock for `label`. `arrival` is handed to options.missing on expiry: the
  // number under which the ranks announced this collective (ArrivalTracker), 0 = none.
  void arm(std::string label, int64_t arrival = 0);
  void disarm();
  bool enabled() const { return thread_.joinable(); }
  double timeout_s() const { return options_.timeout_s; }

  // Arms for the lifetime of the scope.
  class Scope {
   public:
    Scope(CollectiveWatchdog& watchdog, std::string label, int64_t arrival = 0)
        : watchdog_(watchdog) {
      watchdog_.arm(std::move(label), arrival);
    }
    ~Scope() { watchdog_.disarm(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    CollectiveWatchdog& watchdog_;
  };

 private:
  using Clock = std::chrono::steady_clock;
  void loop();

  CollectiveWatchdogOptions options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool armed_ = false;
  bool stop_ = false;
  std::string label_;
  int64_t arrival_ = 0;
  Clock::time_point deadline_;
  std::thread thread_;
};

}  // namespace s2s
