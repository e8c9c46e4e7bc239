// s2s_allreduce_bench: the gradient all-reduce of GradientSync against a plain MPI_Allreduce
// of the same bytes, printed as tables by rank 0. Run it under mpirun:
//
//   mpirun -n 2 build/bench/s2s_allreduce_bench [--reps N] [--max-mb M]
//
//   bandwidth  for gradients of 1..M MB (float32, split into 32 parameters of uneven size):
//              one MPI_Allreduce of all the bytes (MPI_IN_PLACE), against GradientSync.finish()
//              with 25 MB and with 4 MB buckets (packing into buckets, all-reduce, copying back)
//   overlap    one training-like step (forward, backward through a chain of layers, finish())
//              with the all-reduce on GradientSync's thread during backward, and after it
//
// Times are the median over --reps runs, each rank measuring after a barrier; "GB/s" is the
// algorithm bandwidth (bytes / time), as nccl-tests' algbw. CPU tensors and the MPI backend.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/BenchTiming.h"
#include "core/Log.h"
#include "trainer/comm/GradientSync.h"
#include "trainer/comm/MpiCheck.h"
#include "trainer/comm/Runtime.h"

namespace {

using s2s::bench::Clock;
using s2s::bench::median;
using s2s::bench::since;

struct Args {
  int reps = 9;
  double max_mb = 64;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--reps" && i + 1 < argc) a.reps = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--max-mb" && i + 1 < argc) a.max_mb = std::atof(argv[++i]);
    else {
      std::fprintf(stderr, "usage: s2s_allreduce_bench [--reps N] [--max-mb M]\n");
      std::exit(2);
    }
  }
  return a;
}

// `bytes` of float32 gradients as 32 parameters of uneven sizes (1x..4x), with gradients.
std::vector<torch::Tensor> make_params(int64_t bytes) {
  const int64_t numel = bytes / 4;
  std::vector<int64_t> weights;
  int64_t total_weight = 0;
  for (int i = 0; i < 32; ++i) {
    weights.push_back(1 + (i * 7) % 4);
    total_weight += weights.back();
  }
  std::vector<torch::Tensor> params;
  int64_t left = numel;
  for (int i = 0; i < 32; ++i) {
    const int64_t n = i == 31 ? left : numel * weights[i] / total_weight;
    left -= n;
    torch::Tensor p = torch::zeros({n}).requires_grad_();
    p.mutable_grad() = torch::ones({n});
    params.push_back(p);
  }
  return params;
}

double plain_allreduce_seconds(int64_t bytes, int reps) {
  torch::Tensor t = torch::ones({bytes / 4});
  std::vector<double> times;
  for (int r = 0; r < reps + 1; ++r) {
    S2S_MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    const auto start = Clock::now();
    S2S_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, t.data_ptr(), static_cast<int>(t.numel()), MPI_FLOAT,
                                MPI_SUM, MPI_COMM_WORLD));
    if (r > 0) times.push_back(since(start));  // the first run warms up
  }
  return median(times);
}

struct SyncTime {
  double seconds = 0;
  int64_t buckets = 0;
};

SyncTime gradient_sync_seconds(const s2s::Runtime& runtime, int64_t bytes, double bucket_mb, int reps) {
  const std::vector<torch::Tensor> params = make_params(bytes);
  s2s::GradientSyncOptions options;
  options.bucket_mb = bucket_mb;
  s2s::GradientSync sync(params, *runtime.make_communicator(), options);
  std::vector<double> times;
  SyncTime result;
  for (int r = 0; r < reps + 1; ++r) {
    S2S_MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    const auto start = Clock::now();
    result.buckets = sync.finish().buckets;  // no backward ran: finish() packs every gradient
    if (r > 0) times.push_back(since(start));
  }
  result.seconds = median(times);
  return result;
}

struct StepTime {
  double step = 0, backward = 0, allreduce = 0, overlapped = 0, wait = 0;
  int64_t buckets = 0;
};

// A chain of `layers` [width, width] layers over a [batch, width] input; GradientSync with
// ~layer-sized buckets so that buckets become ready one by one during backward.
StepTime step_seconds(const s2s::Runtime& runtime, bool overlap, int reps) {
  constexpr int kLayers = 12, kWidth = 768, kBatch = 256;
  torch::manual_seed(1);
  std::vector<torch::Tensor> params;
  for (int i = 0; i < kLayers; ++i) params.push_back((torch::randn({kWidth, kWidth}) / 30).requires_grad_());
  s2s::GradientSyncOptions options;
  options.bucket_mb = kWidth * kWidth * 4 / (1024.0 * 1024.0);
  options.overlap = overlap;
  s2s::GradientSync sync(params, *runtime.make_communicator(), options);
  const torch::Tensor x = torch::randn({kBatch, kWidth});
  std::vector<StepTime> runs;
  for (int r = 0; r < reps + 1; ++r) {
    sync.zero_grads();  // in place, in the buckets, as TrainStep does
    S2S_MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    const auto start = Clock::now();
    torch::Tensor h = x;
    for (const auto& p : params) h = torch::tanh(h.matmul(p));
    h.pow(2).sum().backward();
    const double backward = since(start);
    const s2s::GradientSyncStats stats = sync.finish();
    StepTime t;
    t.step = since(start);
    t.backward = backward;
    t.allreduce = stats.allreduce_s;
    t.overlapped = stats.overlapped_s;
    t.wait = stats.wait_s;
    t.buckets = stats.buckets;
    if (r > 0) runs.push_back(t);
  }
  std::sort(runs.begin(), runs.end(), [](const StepTime& a, const StepTime& b) { return a.step < b.step; });
  return runs[runs.size() / 2];  // the run with the median step time
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  s2s::RuntimeOptions options;
  options.use_cuda = false;
  options.threads = 1;  // shared machines: one intra-op thread per rank
  s2s::Runtime runtime(&argc, &argv, options);
  s2s::Log::configure(s2s::LogLevel::kWarn, runtime.rank());
  return runtime.guard([&] {
    const bool print = runtime.rank() == 0;
    if (print) {
      std::printf("s2s_allreduce_bench: %d ranks, %s, %d reps (median)\n\n", runtime.world_size(),
                  runtime.describe().c_str(), args.reps);
      std::printf("gradient all-reduce, float32, 32 parameters\n");
      std::printf("| MB | MPI_Allreduce ms | GB/s | GradientSync 25 MB ms | GB/s | buckets | GradientSync 4 MB ms | GB/s | buckets |\n");
      std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    }
    for (double mb = 1; mb <= args.max_mb + 1e-9; mb *= 4) {
      const auto bytes = static_cast<int64_t>(mb * 1024 * 1024);
      const double plain = plain_allreduce_seconds(bytes, args.reps);
      const SyncTime big = gradient_sync_seconds(runtime, bytes, 25, args.reps);
      const SyncTime small = gradient_sync_seconds(runtime, bytes, 4, args.reps);
      if (print)
        std::printf("| %g | %.2f | %.2f | %.2f | %.2f | %lld | %.2f | %.2f | %lld |\n", mb, plain * 1e3,
                    bytes / plain / 1e9, big.seconds * 1e3, bytes / big.seconds / 1e9,
                    static_cast<long long>(big.buckets), small.seconds * 1e3, bytes / small.seconds / 1e9,
                    static_cast<long long>(small.buckets));
    }
    if (print) {
      std::printf("\none step: forward + backward through 12 layers of [768, 768] (27 MB of gradients, "
                  "one bucket per layer), then finish()\n");
      std::printf("| all-reduce | step ms | backward ms | all-reduce ms | of it during backward ms | finish() waited ms |\n");
      std::printf("|---|---:|---:|---:|---:|---:|\n");
    }
    for (bool overlap : {true, false}) {
      const StepTime t = step_seconds(runtime, overlap, args.reps);
      if (print)
        std::printf("| %s | %.1f | %.1f | %.1f | %.1f | %.1f |\n", overlap ? "during backward" : "after backward",
                    t.step * 1e3, t.backward * 1e3, t.allreduce * 1e3, t.overlapped * 1e3, t.wait * 1e3);
    }
    return 0;
  });
}
