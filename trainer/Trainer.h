#pragma once
// The training loop, readable top to bottom: one update = `accumulate` micro-batches of
// forward and backward on this rank, gradients summed across ranks during backward
// (GradientSync), divided by the global number of target tokens, clipped, applied.
// Every rank runs the same number of updates; decisions that must agree (stop, skip a
// non-finite update) are made from numbers every rank holds after the same all-reduce.
#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "data/CorpusReader.h"
#include "model/LabelSmoothedLoss.h"
#include "model/Seq2Seq.h"
#include "trainer/Communicator.h"
#include "trainer/Config.h"
#include "trainer/GradientSync.h"
#include "trainer/ImprovementTracker.h"
#include "trainer/LearningRateSchedule.h"
#include "trainer/MetricsLog.h"
#include "trainer/Runtime.h"
#include "trainer/TrainingProgress.h"

namespace s2s {

struct TrainResult {
  int64_t steps = 0;            // updates applied or skipped
  int64_t epoch = 0;            // epoch the reader is in at the end
  double last_valid_loss = 0;   // per-token validation loss of the last validation (NaN: none)
  std::string stop_reason;      // "max_steps", "max_epochs", "max_minutes", "early_stop"
};

class Trainer {
 public:
  Trainer(const Config& config, Runtime& runtime, Communicator& comm);
  ~Trainer();

  // Trains until a budget is spent or early stopping triggers.
  TrainResult run();

  Seq2Seq& model() { return model_; }

 private:
  UpdateStats update(int64_t step);  // one optimiser update (or a skipped one)
  double validate(int64_t step);     // per-token validation loss over all ranks
  Batch next_batch();                // the next batch, crossing epoch boundaries
  std::optional<std::string> budget_spent(int64_t step) const;
  int64_t epochs_finished() const;
  double eta_seconds(int64_t step, double seconds_per_step) const;

  Config config_;
  Runtime& runtime_;
  Communicator& comm_;
  torch::Device device_;
  std::unique_ptr<CorpusReader> train_data_;
  std::unique_ptr<CorpusReader> valid_data_;
  Seq2Seq model_{nullptr};
  LabelSmoothedLoss criterion_;
  std::vector<torch::Tensor> parameters_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::unique_ptr<GradientSync> sync_;
  LearningRateSchedule schedule_;
  ImprovementTracker early_stop_;
  std::unique_ptr<MetricsLog> metrics_;  // rank 0 only
  int nonfinite_in_row_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace s2s
