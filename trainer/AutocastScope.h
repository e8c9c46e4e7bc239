#pragma once
// train.precision for the forward pass: while an AutocastScope with Precision::bf16 lives,
// LibTorch's autocast runs the autocast-eligible ops of one device type (matmuls: linear,
// the RNN cells' and attention's products) in bfloat16 and leaves the rest in float32.
// The parameters stay float32 (master weights): autocast casts a copy for each op, so the
// gradients that backward writes, and the optimiser's state, are float32 too. The loss is
// not computed inside the scope (TrainStep casts the logits to float first).
//
// On the CPU it is LibTorch's CPU autocast, so bf16 training is testable without a GPU.
// With Precision::fp32 the scope changes nothing. RAII: the previous autocast state of the
// device type (enabled, dtype) comes back when the scope ends, and the cache of cast
// weights is cleared when the outermost scope ends (as torch.autocast does), so a weight
// the optimiser changes is cast afresh in the next forward.
#include <torch/torch.h>

#include "trainer/TrainOptions.h"

namespace s2s {

class AutocastScope {
 public:
  AutocastScope(torch::DeviceType device_type, Precision precision);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

  bool active() const { return active_; }  // false for fp32

 private:
  torch::DeviceType device_type_;
  bool active_ = false;
  bool was_enabled_ = false;
  torch::ScalarType previous_dtype_ = torch::kFloat;
};

}  // namespace s2s
