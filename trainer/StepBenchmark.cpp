#include "trainer/StepBenchmark.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <torch/cuda.h>

#include <time.h>

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#ifdef S2S_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include "core/Check.h"
#include "core/Clock.h"
#include "model/BatchTensors.h"
#include "model/Seq2Seq.h"
#include "model/search/BeamSearch.h"
#include "model/search/GreedySearch.h"
#include "model/search/Seq2SeqStepModel.h"
#include "trainer/ModelFlops.h"
#include "trainer/Tf32.h"
#include "trainer/TrainStep.h"

namespace s2s {
namespace {

// Waits for the device's queued work, so that a clock read after it times the work itself.
void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

Spread spread(std::vector<double> v) {
  S2S_ASSERT(!v.empty());
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};  // the upper median, as bench/BenchTiming.h
}

double median(std::vector<double> v) { return spread(std::move(v)).median; }

// CPU time of the whole process (all threads): on a shared machine a run that waits for a
// core shows wall time well above it.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double peak_device_mb(const torch::Device& device) {
#ifdef S2S_WITH_CUDA
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
    const auto aggregate = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
    return static_cast<double>(stats.allocated_bytes[aggregate].peak) / (1024.0 * 1024.0);
  }
#endif
  return 0.0;
}

}  // namespace

StepBenchmark::StepBenchmark(const Config& config, const BenchOptions& options,
                             Communicator& comm)
    : config_(config), options_(options), comm_(comm) {
  S2S_CHECK(options.steps >= 1, "--steps is {}: it must be at least 1", options.steps);
  S2S_CHECK(options.warmup >= 0, "--warmup is {}: it must be at least 0", options.warmup);
  S2S_CHECK(options.decode_batches >= 0, "--decode-batches is {}: it must be at least 0",
            options.decode_batches);
  SyntheticBatches check(options.batches);  // refuses bad sizes before anything runs
  S2S_CHECK(comm.size() == 1, "s2s bench runs on one rank, not under mpirun ({} ranks)",
            comm.size());
  // The step and the GEMM peak it is compared with use the matmul mode training would.
  if (comm.device().is_cuda()) set_allow_tf32(config.train.allow_tf32);
}

std::pair<double, double> StepBenchmark::measure_gemm_peak(const torch::Device& device) {
  torch::NoGradGuard no_grad;
  const int64_t n = device.is_cuda() ? 8192 : 2048;
  const auto options = torch::TensorOptions().dtype(torch::kFloat).device(device);
  const auto a = torch::randn({n, n}, options), b = torch::randn({n, n}, options);
  auto c = torch::empty({n, n}, options);
  torch::mm_out(c, a, b);  // warm-up: first-call set-up of the BLAS, page faults
  synchronize(device);
  double best = 0, best_cpu = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = Clock::now();
    const double c0 = process_cpu_seconds();
    torch::mm_out(c, a, b);
    synchronize(device);
    const double flops = 2.0 * static_cast<double>(n * n * n);
    best = std::max(best, flops / seconds_since(t0) / 1e9);
    best_cpu = std::max(best_cpu, flops / (process_cpu_seconds() - c0) / 1e9);
  }
  return {best, best_cpu};
}

void StepBenchmark::train(BenchReport& r) {
  const torch::Device device = comm_.device();
  const int64_t V = options_.batches.vocab;
  torch::manual_seed(config_.run.seed);
  model_ = Seq2Seq(config_.model, V, V);
  model_->to(device);
  r.parameters = 0;
  for (const auto& p : model_->parameters()) r.parameters += p.numel();
  TrainStep step(model_, config_.model.label_smoothing, config_.train, comm_, config_.run.seed);
  const ModelFlops flops(config_.model, V);

  SyntheticBatches stream(options_.batches);
  std::vector<double> tokens, pairs, seconds, cpu, data, forward, backward, comm, optimizer, gflops,
      step_flops;
  for (int64_t i = 0; i < options_.warmup + options_.steps; ++i) {
    const Batch batch = stream.next();
    synchronize(device);
    const auto t0 = Clock::now();
    const double c0 = process_cpu_seconds();
    std::vector<BatchTensors> micro{BatchTensors::from(batch, device)};
    const double data_s = seconds_since(t0);
    const UpdateStats u = step.apply(micro, i + 1);
    synchronize(device);
    const double s = seconds_since(t0);
    const double c = process_cpu_seconds() - c0;
    if (i < options_.warmup) continue;
    const double f = flops.training_step({batch.size, batch.src_len, batch.tgt_len, batch.src_tokens});
    tokens.push_back(static_cast<double>(batch.tgt_tokens) / s);
    pairs.push_back(static_cast<double>(batch.size) / s);
    seconds.push_back(s);
    cpu.push_back(c);
    data.push_back(data_s);
    forward.push_back(u.forward_seconds);
    backward.push_back(u.backward_seconds);
    comm.push_back(u.comm_seconds);
    optimizer.push_back(u.optimizer_seconds);
    gflops.push_back(f / s / 1e9);
    step_flops.push_back(f);
  }
  r.tokens_per_s = spread(tokens);
  r.pairs_per_s = spread(pairs);
  const Spread ms = spread(seconds);
  r.step_ms = {1e3 * ms.median, 1e3 * ms.min, 1e3 * ms.max};
  r.step_cpu_ms = 1e3 * median(cpu);
  r.data_ms = 1e3 * median(data);
  r.forward_ms = 1e3 * median(forward);
  r.backward_ms = 1e3 * median(backward);
  r.allreduce_ms = 1e3 * median(comm);
  r.optimizer_ms = 1e3 * median(optimizer);
  r.flops_per_step = median(step_flops);
  r.model_gflops_per_s = median(gflops);
  r.mfu = r.model_gflops_per_s / r.peak_gflops;
  r.mfu_cpu_time = r.flops_per_step / (r.step_cpu_ms / 1e3) / 1e9 / r.peak_gflops_per_cpu_s;
}

void StepBenchmark::decode(BenchReport& r) {
  const torch::Device device = comm_.device();
  // Decoding with the weights the steps left (an untrained model: outputs are random, so
  // the length limit is the source length: every sentence costs at most S steps).
  model_->eval();
  Seq2SeqStepModel step_model(model_);
  SearchOptions search = config_.search;
  search.max_length_ratio = 1.0;
  search.max_length_offset = 0;
  search.n_best = 1;
  search.keep_attention = false;
  SyntheticBatches sources(options_.batches);
  const auto rate = [&](int64_t beam) {
    search.beam_size = beam;
    double sentences = 0, total = 0;
    for (int64_t i = 0; i < options_.decode_batches; ++i) {
      const BatchTensors b = BatchTensors::from(sources.next(), device);
      synchronize(device);
      const auto t0 = Clock::now();
      if (beam == 1)
        GreedySearch(step_model, search).search(b.src, b.src_lengths);
      else
        BeamSearch(step_model, search).search(b.src, b.src_lengths);
      synchronize(device);
      total += seconds_since(t0);
      sentences += static_cast<double>(b.src.size(0));
    }
    return total > 0 ? sentences / total : 0.0;
  };
  if (options_.decode_batches > 0) {
    rate(1);  // warm-up (first-call allocations of the step-wise path), untimed
    r.greedy_sentences_per_s = rate(1);
    r.beam_sentences_per_s = rate(5);
  }
}

BenchReport StepBenchmark::run() {
  BenchReport r;
  const torch::Device device = comm_.device();
  r.device = device.str();
  r.threads = torch::get_num_threads();
  std::tie(r.peak_gflops, r.peak_gflops_per_cpu_s) = measure_gemm_peak(device);
  train(r);
  decode(r);
  r.peak_rss_mb = peak_rss_mb();
  r.peak_device_mb = peak_device_mb(device);
  return r;
}

nlohmann::json BenchReport::to_json() const {
  return {
      {"train_tokens_per_s", tokens_per_s.median},
      {"train_tokens_per_s_min", tokens_per_s.min},
      {"train_tokens_per_s_max", tokens_per_s.max},
      {"pairs_per_s", pairs_per_s.median},
      {"pairs_per_s_min", pairs_per_s.min},
      {"pairs_per_s_max", pairs_per_s.max},
      {"step_ms_median", step_ms.median},
      {"step_ms_min", step_ms.min},
      {"step_ms_max", step_ms.max},
      {"step_cpu_ms_median", step_cpu_ms},
      {"step_split_ms",
       {{"data", data_ms},
        {"forward", forward_ms},
        {"backward", backward_ms},
        {"all_reduce", allreduce_ms},
        {"optimizer", optimizer_ms}}},
      {"flops_per_step_median", flops_per_step},
      {"model_gflops_per_s", model_gflops_per_s},
      {"peak_gflops", peak_gflops},
      {"mfu", mfu},
      {"peak_gflops_per_cpu_s", peak_gflops_per_cpu_s},
      {"mfu_cpu_time", mfu_cpu_time},
      {"decode_sentences_per_s", {{"greedy", greedy_sentences_per_s}, {"beam5", beam_sentences_per_s}}},
      {"peak_rss_mb", peak_rss_mb},
      {"peak_device_mb", peak_device_mb},
      {"parameters", parameters},
      {"device", device},
      {"threads", threads},
  };
}

std::string BenchReport::table() const {
  std::string t;
  const auto row = [&](const std::string& name, const std::string& value) {
    t += fmt::format("{:<28} {}\n", name, value);
  };
  const auto rate = [](const Spread& s) {
    return fmt::format("{:.0f}  (min {:.0f}, max {:.0f})", s.median, s.min, s.max);
  };
  row("device", fmt::format("{}, {} thread(s)", device, threads));
  row("parameters", fmt::format("{}", parameters));
  row("train target tokens/s", rate(tokens_per_s));
  row("train pairs/s", rate(pairs_per_s));
  row("step ms", fmt::format("{:.2f}  (min {:.2f}, max {:.2f})", step_ms.median, step_ms.min, step_ms.max));
  row("  CPU time of the process", fmt::format("{:.2f} ms (median)", step_cpu_ms));
  row("  data / forward / backward", fmt::format("{:.2f} / {:.2f} / {:.2f} ms", data_ms, forward_ms, backward_ms));
  row("  all-reduce / optimizer", fmt::format("{:.2f} / {:.2f} ms", allreduce_ms, optimizer_ms));
  row("model GFLOP per step", fmt::format("{:.3f} (bench/FLOPS.md)", flops_per_step / 1e9));
  row("model GFLOP/s", fmt::format("{:.1f}", model_gflops_per_s));
  row("GEMM peak GFLOP/s", fmt::format("{:.1f} (measured at start-up)", peak_gflops));
  row("MFU", fmt::format("{:.1f}% (by CPU time: {:.1f}%)", 100 * mfu, 100 * mfu_cpu_time));
  row("decode sentences/s", fmt::format("greedy {:.1f}, beam 5 {:.1f}", greedy_sentences_per_s, beam_sentences_per_s));
  row("peak RSS", fmt::format("{:.0f} MiB", peak_rss_mb));
  if (peak_device_mb > 0) row("peak device memory", fmt::format("{:.0f} MiB", peak_device_mb));
  return t;
}

}  // namespace s2s
