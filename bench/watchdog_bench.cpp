// s2s_watchdog_bench: what the collective watchdog adds to a training step. Run it under
// mpirun:
//
//   mpirun -n 2 build/bench/s2s_watchdog_bench [--iters N] [--reps R]
//
// Each rank runs N iterations of the trainer's per-update control collective (an
// all-reduce of one int64, as the stop-flag all-reduce), bare and watched: announced to
// rank 0 (ArrivalTracker: one 8-byte MPI_Isend) and armed/disarmed on a CollectiveWatchdog
// (600 s). Watched and bare blocks alternate R times; rank 0 prints the median time per
// iteration of each and the difference: the watchdog's cost per update.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/BenchTiming.h"
#include "core/Log.h"
#include "trainer/comm/ArrivalTracker.h"
#include "trainer/comm/CollectiveWatchdog.h"
#include "trainer/comm/Runtime.h"

namespace {

using s2s::bench::Clock;
using s2s::bench::median;
using s2s::bench::since;

}  // namespace

int main(int argc, char** argv) {
  int iters = 20000, reps = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--iters") == 0) iters = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--reps") == 0) reps = std::atoi(argv[i + 1]);
  }
  s2s::RuntimeOptions options;
  options.use_cuda = false;
  options.threads = 1;
  s2s::Runtime runtime(&argc, &argv, options);
  s2s::Log::configure(s2s::LogLevel::kWarn, runtime.rank());
  return runtime.guard([&]() -> int {
    auto comm = runtime.make_communicator();
    s2s::ArrivalTracker arrivals;
    s2s::CollectiveWatchdogOptions o;
    o.timeout_s = 600;
    o.missing = [&](int64_t arrival) { return arrivals.missing(arrival); };
    o.expired = [&](const std::string& report) {
      std::fprintf(stderr, "%s\n", report.c_str());
      runtime.abort(s2s::CollectiveWatchdog::kTimeoutExitCode);
    };
    s2s::CollectiveWatchdog watchdog(o);
    int64_t arrival = 0;
    std::vector<double> bare, watched;
    for (int rep = 0; rep < reps; ++rep) {
      comm->barrier();
      auto t = Clock::now();
      for (int i = 0; i < iters; ++i) comm->all_reduce_sum(int64_t{1});
      bare.push_back(since(t) / iters);
      comm->barrier();
      t = Clock::now();
      for (int i = 0; i < iters; ++i) {
        const std::string label = fmt::format("stop-flag all-reduce, step {}", i);
        arrivals.arrive(++arrival, label);
        s2s::CollectiveWatchdog::Scope armed(watchdog, label, arrival);
        comm->all_reduce_sum(int64_t{1});
      }
      watched.push_back(since(t) / iters);
    }
    arrivals.finish();
    if (runtime.rank() == 0) {
      const double b = median(bare) * 1e6, w = median(watched) * 1e6;
      std::printf("| ranks | iterations x reps | bare all-reduce | watched (announce + arm + all-reduce + disarm) | watchdog cost per update |\n");
      std::printf("|---:|---:|---:|---:|---:|\n");
      std::printf("| %d | %d x %d | %.2f us | %.2f us | %.2f us |\n", runtime.world_size(), iters, reps,
                  b, w, w - b);
    }
    return 0;
  });
}
