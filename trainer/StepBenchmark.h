#pragma once
// What `s2s bench` measures: training steps of the real TrainStep on synthetic batches
// (SyntheticBatches, the same numbers bench/torch_reference.py draws), then greedy and beam-5
// decoding of the same sources, against a GEMM peak measured through LibTorch at start-up.
//
//   StepBenchmark bench(config, options, comm);   // model of config.model on comm.device()
//   BenchReport r = bench.run();
//   std::cout << r.table();  // or r.to_json().dump()
//
// Rates are medians over the timed steps (the upper median, as bench/BenchTiming.h), with
// min and max: the machine is shared and noisy.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>

#include "trainer/comm/Communicator.h"
#include "model/Seq2Seq.h"
#include "trainer/SyntheticBatches.h"
#include "trainer/config/Config.h"

namespace s2s {

struct BenchOptions {
  SyntheticBatchOptions batches;
  int64_t steps = 10;   // timed training steps
  int64_t warmup = 3;   // untimed steps before them
  int64_t decode_batches = 2;  // batches decoded (timed) with greedy and with beam 5
};

// Median, min and max of a per-step quantity.
struct Spread {
  double median = 0, min = 0, max = 0;
  nlohmann::json to_json() const { return {{"median", median}, {"min", min}, {"max", max}}; }
};

struct BenchReport {
  Spread tokens_per_s;       // target tokens per second of training
  Spread pairs_per_s;
  Spread step_ms;
  double step_cpu_ms = 0;    // median CPU time of the process per step (all its threads)
  // Median milliseconds of each part of a step. On CUDA the parts are host-side times
  // (kernels run asynchronously); the whole step is synchronised.
  double data_ms = 0, forward_ms = 0, backward_ms = 0, allreduce_ms = 0, optimizer_ms = 0;
  double flops_per_step = 0;     // bench/FLOPS.md, median over the timed batches
  double model_gflops_per_s = 0;  // median over the steps
  double peak_gflops = 0;         // measured GEMM peak
  double mfu = 0;                 // model_gflops_per_s / peak_gflops
  // The same by CPU time (FLOPs per CPU-second of the step over the GEMM's): on a shared
  // machine with one thread, what the run would reach with its core to itself.
  double peak_gflops_per_cpu_s = 0;
  double mfu_cpu_time = 0;
  double greedy_sentences_per_s = 0;
  double beam_sentences_per_s = 0;   // beam 5
  double peak_rss_mb = 0;
  double peak_device_mb = 0;      // CUDA only
  int64_t parameters = 0;
  std::string device;
  int threads = 0;

  nlohmann::json to_json() const;
  std::string table() const;
};

class StepBenchmark {
 public:
  // Takes the model shape, optimiser and search settings from `config` and its device from
  // `comm`. options.batches.vocab is both vocabularies.
  StepBenchmark(const Config& config, const BenchOptions& options, Communicator& comm);

  BenchReport run();

  // GFLOP/s of the best of a few large float32 matmuls on `device` (n x n, n = 2048 on the
  // CPU, 8192 on CUDA), through the same LibTorch (and its BLAS) the model uses: per
  // second of wall time and per CPU-second of the process.
  static std::pair<double, double> measure_gemm_peak(const torch::Device& device);

 private:
  void train(BenchReport& report);   // builds model_, times the steps
  void decode(BenchReport& report);  // greedy and beam 5 with model_'s final weights

  Config config_;
  BenchOptions options_;
  Communicator& comm_;
  Seq2Seq model_{nullptr};  // built by train(), decoded by decode()
};

}  // namespace s2s
