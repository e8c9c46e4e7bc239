#pragma once
// One optimiser update of data-parallel training, from this rank's micro-batches:
//
//   for each micro-batch: forward, label-smoothed loss SUM, backward (GradientSync sums the
//     gradients over ranks during the last backward)
//   divide gradients by the GLOBAL number of target tokens (all ranks, all micro-batches)
//   clip by global norm, skip if non-finite, Adam(W) step at the schedule's learning rate
//
// Dividing by the global token count after summing makes N ranks with batches b_1..b_N take
// exactly the step one rank takes over their union (up to float summation order), with or
// without accumulation. Kept apart from the Trainer (which owns data, budgets, validation
// and logging) so that this promise can be tested on hand-made batches.
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <vector>

#include "model/LabelSmoothedLoss.h"
#include "model/Seq2Seq.h"
#include "model/BatchTensors.h"
#include "trainer/comm/Communicator.h"
#include "trainer/comm/GradientSync.h"
#include "trainer/optim/GradientDivisor.h"
#include "trainer/LearningRateSchedule.h"
#include "trainer/TrainOptions.h"
#include "trainer/TrainingProgress.h"

namespace s2s {

class TrainStep {
 public:
  // `model` must already be on comm's device and identical on every rank (broadcast).
  // `dropout_seed` (run.seed) keys the dropout masks with the update number and each pair's
  // id, so a pair is dropped the same way whichever rank or micro-batch computes it.
  // Collective: sets up GradientSync over `comm`.
  TrainStep(Seq2Seq model, double label_smoothing, const TrainOptions& options,
            Communicator& comm, uint64_t dropout_seed);
  ~TrainStep();

  // Applies update number `step` (1-based) from this rank's micro-batches (at least one;
  // ranks may pass different numbers: the all-reduce runs in each rank's last backward). Fills everything of UpdateStats except
  // data_seconds and total_seconds (the caller's). Throws after max_nonfinite_in_row
  // non-finite updates in a row. `backward_done`, when given, is called after the last
  // backward, just before waiting for the gradient all-reduce (the trainer announces the
  // rank's arrival at that collective there).
  UpdateStats apply(const std::vector<BatchTensors>& micro_batches, int64_t step,
                    const std::function<void()>& backward_done = {});

  torch::optim::Optimizer& optimizer() { return *optimizer_; }
  LearningRateSchedule& schedule() { return schedule_; }
  const GradientSync& sync() const { return *sync_; }
  int nonfinite_in_row() const { return nonfinite_in_row_; }

 private:
  void backward_zero();  // a filler batch's backward: every gradient exactly zero

  Seq2Seq model_;
  LabelSmoothedLoss criterion_;
  TrainOptions options_;
  Communicator& comm_;
  uint64_t dropout_seed_;
  std::vector<torch::Tensor> parameters_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  GradientDivisor* gradient_divisor_;  // optimizer_ itself, as what divides the gradients in its step
  std::unique_ptr<GradientSync> sync_;
  LearningRateSchedule schedule_;
  int nonfinite_in_row_ = 0;
};

}  // namespace s2s
