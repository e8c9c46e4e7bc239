#pragma once
// The exponential moving average of the weights (train.ema_decay > 0): Marian's
// "exponential smoothing", TensorFlow's ExponentialMovingAverage with num_updates. After
// every applied optimizer update, with t the number of EMA updates before it (0, 1, ...):
//
//   ema <- d_t * ema + (1 - d_t) * weights,    d_t = min(ema_decay, (1 + t) / (10 + t))
//
// and the EMA starts as a copy of the weights. The warm-up term (1 + t) / (10 + t) is
// Marian's and TensorFlow's: with a decay such as 0.9999 an EMA that starts at the random
// initial weights would be mostly those for ~10^4 updates, and early validations (and the
// best checkpoint) would judge the initialisation; with it d_t is 0.1 at the first update,
// 0.5 at t = 8, 0.9 at t = 80, 0.99 at t = 890, and ema_decay once (1 + t)/(10 + t)
// exceeds it. A skipped (non-finite) update leaves both the weights and the EMA as they are.
//
// The averages are the parameters of a second Seq2Seq (same options, same device, no
// gradients), so validation decodes with it as with any model. The update is one in-place
// multi-tensor lerp (no allocation, no host sync); every rank holds the same weights after
// the all-reduce, so every rank computes the same EMA without talking.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "model/Seq2Seq.h"
#include "trainer/checkpoint/CheckpointState.h"

namespace s2s {

class ExponentialMovingAverage {
 public:
  // `averaged`: a model built from the same options as `trained`, on the same device; its
  // weights are overwritten by trained's (reset()). `decay` in (0, 1).
  ExponentialMovingAverage(Seq2Seq trained, Seq2Seq averaged, double decay);

  // d_t above for the update after `updates` EMA updates.
  static double decay_at(double decay, int64_t updates);

  // Folds the trained weights in; call after every applied optimizer update.
  void update();
  // The EMA restarts as a copy of the trained weights, t = 0 (a fine-tune; a resume from a
  // checkpoint without EMA weights).
  void reset();

  // The model whose parameters are the averages (validation decodes with it).
  Seq2Seq model() const { return averaged_; }
  int64_t updates() const { return updates_; }
  double decay() const { return decay_; }

  // Into a checkpoint: `ema/<parameter path>` tensors and the scalars ema_updates (t) and
  // ema_decay (CHECKPOINT.md).
  void store(CheckpointState& state) const;
  // From a checkpoint's `ema/` tensors and ema_updates; false (and nothing changed) when it
  // holds none. Throws, naming the checkpoint, when they do not fit the model.
  bool restore(const CheckpointState& state);

 private:
  Seq2Seq averaged_;
  std::vector<torch::Tensor> trained_;   // the trained model's parameters (shared, not copies)
  std::vector<torch::Tensor> averages_;  // averaged_'s parameters, one per trained_ entry, same shapes
  double decay_;
  int64_t updates_ = 0;  // t: EMA updates so far
};

}  // namespace s2s
