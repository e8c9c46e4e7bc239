#pragma once
// Sums (never means) of the label-smoothed loss over the non-pad targets of one batch. The
// trainer divides by the token count summed over all ranks, so that every token weighs the
// same whatever the batch composition on each rank.
#include <cstdint>

#include <torch/torch.h>

namespace s2s {

struct LossOutput {
  torch::Tensor loss_sum;  // () label-smoothed loss summed over non-pad targets; differentiable
  torch::Tensor nll_sum;   // () plain negative log-likelihood summed likewise; detached
  int64_t tokens = 0;      // number of non-pad targets
};

}  // namespace s2s
