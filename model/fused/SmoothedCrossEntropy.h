#pragma once
// Per-row label-smoothed cross entropy (LabelSmoothedLoss.h's formula) of (N, V) scores: on
// the CPU one pass forward and one backward per row (CrossEntropyKernel.h), never
// materialising the (N, V) log-probabilities; elsewhere, and for the tests' reference,
// LibTorch's ops.
#include <torch/torch.h>

#include <cstdint>

namespace s2s {

struct SmoothedRows {
  torch::Tensor loss;  // (N) differentiable; 0 on pad rows
  torch::Tensor nll;   // (N) -log p_y, detached; 0 on pad rows
};

// scores (N, V) float or double; targets (N) int64, each pad_id or in [0, V) (checked on the
// CPU path, where a bad id would read out of bounds). Pad rows are never read: a non-finite
// score there changes nothing.
SmoothedRows smoothed_cross_entropy(const torch::Tensor& scores, const torch::Tensor& targets, double epsilon,
                                    int64_t pad_id);

// The same as LibTorch ops (log_softmax, gather, sum, masked_fill).
SmoothedRows smoothed_cross_entropy_composed(const torch::Tensor& scores, const torch::Tensor& targets,
                                             double epsilon, int64_t pad_id);

}  // namespace s2s
