// s2s_comm_helper MODE: a small MPI program for JobFailureTest, which runs it under mpirun
// and checks what the job as a whole does. Rank 1 fails in each mode in a different way
// while rank 0 waits for it in a collective; the job must end non-zero, quickly.
//   describe   every rank prints Runtime::describe() and exits 0 (also without mpirun)
//   throw      rank 1 throws inside Runtime::guard (caught: one line, then MPI_Abort)
//   unwind     rank 1 throws through the Runtime's destructor to main(), which returns 1
//   sync       rank 1 throws between backward and GradientSync::finish(), all-reduces in flight
//   abort      rank 1 calls Runtime::abort(3)
//   stall      odd ranks stop taking part before step 3 of a loop of all-reduces armed on a
//              CollectiveWatchdog (2 s) with an ArrivalTracker, as the trainer arms them
//   arrive     the same loop with no rank stalling: 50 steps, then ArrivalTracker::finish()
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "core/Error.h"
#include "core/Log.h"
#include "trainer/comm/ArrivalTracker.h"
#include "trainer/comm/CollectiveWatchdog.h"
#include "trainer/comm/GradientSync.h"
#include "trainer/comm/Runtime.h"

namespace {

s2s::RuntimeOptions options() {
  s2s::RuntimeOptions o;
  o.use_cuda = false;
  o.threads = 1;
  return o;
}

int sync_mode(s2s::Runtime& runtime) {
  torch::manual_seed(1);
  std::vector<torch::Tensor> params;
  for (int i = 0; i < 8; ++i) params.push_back(torch::randn({64, 64}).requires_grad_());
  s2s::GradientSyncOptions o;
  o.bucket_mb = 64 * 64 * 4 / (1024.0 * 1024.0);  // one parameter per bucket
  s2s::GradientSync sync(params, *runtime.make_communicator(), o);
  torch::Tensor h = torch::randn({16, 64});
  for (const auto& p : params) h = torch::tanh(h.matmul(p));
  h.sum().backward();
  if (runtime.rank() == 1) throw s2s::Error("rank 1 fails on purpose after backward");
  sync.finish();  // rank 0 waits here for buckets rank 1 never sends
  return 0;
}

int watchdog_mode(s2s::Runtime& runtime, bool stall) {
  std::unique_ptr<s2s::Communicator> comm = runtime.make_communicator();
  s2s::ArrivalTracker arrivals;
  s2s::CollectiveWatchdogOptions o;
  o.timeout_s = 2;
  o.missing = [&](int64_t arrival) { return arrivals.missing(arrival); };
  o.expired = [&](const std::string& report) {  // what the trainer does
    std::fprintf(stderr, "[comm] rank %d: %s\n", runtime.rank(), report.c_str());
    if (runtime.rank() != 0) std::this_thread::sleep_for(std::chrono::seconds(2));
    runtime.abort(s2s::CollectiveWatchdog::kTimeoutExitCode);
  };
  s2s::CollectiveWatchdog watchdog(o);
  const int64_t steps = stall ? 5 : 50;
  for (int64_t step = 1; step <= steps; ++step) {
    if (stall && step == 3 && runtime.rank() % 2 == 1)
      while (true) std::this_thread::sleep_for(std::chrono::hours(1));
    const std::string label = fmt::format("gradient all-reduce, step {}", step);
    arrivals.arrive(step, label);
    s2s::CollectiveWatchdog::Scope armed(watchdog, label, step);
    torch::Tensor t = torch::ones({4});
    comm->all_reduce_sum(t);
  }
  arrivals.finish();
  std::printf("rank %d: %lld steps\n", runtime.rank(), static_cast<long long>(steps));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "unwind") {
    // No guard: the exception leaves the Runtime's scope, so its destructor sees it in flight.
    try {
      s2s::Runtime runtime(&argc, &argv, options());
      if (runtime.rank() == 1) throw s2s::Error("rank 1 fails on purpose and unwinds");
      runtime.make_communicator()->barrier();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "s2s: error: %s\n", e.what());
      return 1;
    }
    return 0;
  }
  s2s::Runtime runtime(&argc, &argv, options());
  s2s::Log::configure(s2s::LogLevel::kWarn, runtime.rank());
  return runtime.guard([&]() -> int {
    if (mode == "describe") {
      std::printf("%s\n", runtime.describe().c_str());
      return 0;
    }
    if (mode == "sync") return sync_mode(runtime);
    if (mode == "stall" || mode == "arrive") return watchdog_mode(runtime, mode == "stall");
    std::unique_ptr<s2s::Communicator> comm = runtime.make_communicator();
    if (runtime.rank() == 1) {
      if (mode == "throw") throw s2s::Error("rank 1 fails on purpose");
      if (mode == "abort") runtime.abort(3);
      throw s2s::Error("unknown mode '" + mode + "': use describe, throw, unwind, sync, abort, stall or arrive");
    }
    comm->barrier();  // rank 0 (and any other) waits for rank 1 forever
    return 0;
  });
}
