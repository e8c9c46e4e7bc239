// CollectiveWatchdog on its own (no MPI): an armed collective that completes in time is
// silent; one that does not fires the expiry action once, with its label, the timeout and
// who is missing; a polled asynchronous error fires it at once; timeout 0 is off.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "trainer/comm/CollectiveWatchdog.h"

namespace s2s {
namespace {

using namespace std::chrono_literals;

// Records every report instead of aborting.
struct Recorder {
  std::mutex mutex;
  std::vector<std::string> reports;
  std::vector<int64_t> asked;  // arrival numbers handed to `missing`

  CollectiveWatchdogOptions options(double timeout_s) {
    CollectiveWatchdogOptions o;
    o.timeout_s = timeout_s;
    o.tick_s = 0.01;
    o.expired = [this](const std::string& report) {
      std::lock_guard<std::mutex> lock(mutex);
      reports.push_back(report);
    };
    o.missing = [this](int64_t arrival) {
      std::lock_guard<std::mutex> lock(mutex);
      asked.push_back(arrival);
      return std::string("ranks that did not arrive: 1");
    };
    return o;
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mutex);
    return reports.size();
  }
};

TEST(CollectiveWatchdog, ACollectiveThatCompletesInTimeIsSilent) {
  Recorder r;
  CollectiveWatchdog watchdog(r.options(0.2));
  EXPECT_TRUE(watchdog.enabled());
  for (int i = 0; i < 20; ++i) {
    CollectiveWatchdog::Scope armed(watchdog, "all-reduce", i);
    std::this_thread::sleep_for(20ms);  // 20 arms of 20 ms: 0.4 s in all, each well in time
  }
  std::this_thread::sleep_for(300ms);  // disarmed: nothing fires later either
  EXPECT_EQ(r.count(), 0u);
}

TEST(CollectiveWatchdog, ACollectiveThatDoesNotCompleteFiresOnceWithItsLabelAndWhoIsMissing) {
  Recorder r;
  CollectiveWatchdog watchdog(r.options(0.1));
  const auto start = std::chrono::steady_clock::now();
  watchdog.arm("gradient all-reduce, step 1234", 17);
  while (r.count() == 0 && std::chrono::steady_clock::now() - start < 5s)
    std::this_thread::sleep_for(5ms);
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.count(), 1u);
  EXPECT_GE(waited, 0.1);
  EXPECT_LT(waited, 2.0);
  EXPECT_EQ(r.reports[0],
            "gradient all-reduce, step 1234 did not complete within 0.1s; ranks that did not arrive: 1");
  EXPECT_EQ(r.asked, std::vector<int64_t>{17});
  std::this_thread::sleep_for(300ms);  // still armed, but it fires once per arm
  EXPECT_EQ(r.count(), 1u);
  watchdog.disarm();
}

TEST(CollectiveWatchdog, ArmingAgainRestartsTheClock) {
  Recorder r;
  CollectiveWatchdog watchdog(r.options(0.3));
  for (int i = 0; i < 8; ++i) {  // 8 x 0.1 s under one arm would be late; re-armed, never
    watchdog.arm("step " + std::to_string(i));
    std::this_thread::sleep_for(100ms);
  }
  watchdog.disarm();
  EXPECT_EQ(r.count(), 0u);
}

TEST(CollectiveWatchdog, AnAsynchronousErrorFiresBeforeTheTimeout) {
  Recorder r;
  std::atomic<bool> broken{false};
  CollectiveWatchdogOptions o = r.options(600);
  o.poll = [&] { return broken ? std::string("NCCL asynchronous error 'remote process exited'") : std::string(); };
  CollectiveWatchdog watchdog(o);
  CollectiveWatchdog::Scope armed(watchdog, "gradient all-reduce, step 7");
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(r.count(), 0u);
  broken = true;
  for (int i = 0; i < 200 && r.count() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(r.count(), 1u);
  EXPECT_EQ(r.reports[0],
            "gradient all-reduce, step 7 failed: NCCL asynchronous error 'remote process exited'; "
            "ranks that did not arrive: 1");
}

TEST(CollectiveWatchdog, TimeoutZeroIsOff) {
  Recorder r;
  CollectiveWatchdog watchdog(r.options(0));
  EXPECT_FALSE(watchdog.enabled());
  watchdog.arm("never checked");
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(r.count(), 0u);
}

TEST(CollectiveWatchdog, SaysUnknownWhenNobodyKnowsWhoIsMissing) {
  Recorder r;
  CollectiveWatchdogOptions o = r.options(0.05);
  o.missing = nullptr;
  CollectiveWatchdog watchdog(o);
  watchdog.arm("barrier");
  for (int i = 0; i < 200 && r.count() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(r.count(), 1u);
  EXPECT_EQ(r.reports[0], "barrier did not complete within 0.05s; ranks that did not arrive: unknown");
}

}  // namespace
}  // namespace s2s
