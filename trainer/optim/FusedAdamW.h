#pragma once
// torch::optim::AdamW (decoupled weight decay) whose step() is LibTorch's fused
// kernel: the same update in one pass over each parameter (FusedAdamUpdate.h). It is an AdamW
// in every other respect (options, state, serialization), so code that asks for one, such as
// the checkpoint codec, takes it as it is.

#include <torch/optim/adamw.h>

#include <vector>

#include "trainer/optim/GradientDivisor.h"

namespace s2s {

class FusedAdamW : public torch::optim::AdamW, public GradientDivisor {
 public:
  FusedAdamW(const std::vector<torch::Tensor>& params, const torch::optim::AdamWOptions& options);

  torch::Tensor step(LossClosure closure = nullptr) override;

  void divide_gradients_in_next_step(torch::Tensor divisor) override;

 private:
  torch::Tensor divisor_;  // () float32, or undefined: for the next step() only
};

}  // namespace s2s
