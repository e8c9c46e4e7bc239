#pragma once
// The training loop, readable top to bottom: batches from this rank's CorpusReader, one
// update = `accumulate` micro-batches handed to TrainStep (forward, backward, gradients
// summed over ranks, divided by the global target-token count, clipped, applied); progress
// lines, metrics, validation, budgets and early stopping around it. Every rank runs the
// same number of updates; decisions that must agree (stop, skip a non-finite update) are
// made from numbers every rank holds after the same all-reduce.
#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "data/CorpusReader.h"
#include "model/Seq2Seq.h"
#include "trainer/Communicator.h"
#include "trainer/Config.h"
#include "trainer/ImprovementTracker.h"
#include "trainer/MetricsLog.h"
#include "trainer/Runtime.h"
#include "trainer/TrainStep.h"
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
  std::vector<torch::Tensor> parameters_;
  std::unique_ptr<TrainStep> step_;
  ImprovementTracker early_stop_;
  std::unique_ptr<MetricsLog> metrics_;  // rank 0 only
  std::chrono::steady_clock::time_point start_;
};

}  // namespace s2s
