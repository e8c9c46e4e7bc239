#pragma once
// A linear map applied once per step of a recurrence, whose weight gradient is one matrix
// product over all the steps instead of one per step.
//
// Why: autograd's weight gradient of each step's product is dW += dY_t^T X_t: one small
// product (inner dimension B, 64 in a typical batch) and one add of an (N, K) matrix into
// the gradient per step, T adds of the whole weight per update, and on a GPU 2T small
// launches. The sum over t is one product of the stacked gradients and inputs,
// (N x T*B) @ (T*B x K). (On the CPU the B-row products themselves already run near MKL's
// peak, bench/gemm_floor.py: what this saves there is the adds, a few % of a step,
// bench/RESULTS.md 2026-12-04.) Autograd cannot know that the T uses of the weight may be
// summed that way, so this class tells it:
// each step's backward node computes only its input's gradient dX_t = dY_t W and keeps
// dY_t; one node on the weight, which the autograd engine runs only after every step's node
// (they all read its output), turns the kept dY_t and X_t into dW.
//
// The same function as F::linear(x, weight, bias) at every step; the gradients equal
// autograd's up to summation order (tests/model/fused/DeferredLinearTest.cpp). Falls back to
// F::linear when no gradient is recorded (grad mode off, or a weight that needs none) and
// under autocast (bf16), whose casts it does not replicate.
#include <torch/torch.h>

namespace s2s {

class DeferredLinear {
 public:
  // weight (N, K); bias (N) or undefined. Build one per forward pass, before the loop.
  DeferredLinear(const torch::Tensor& weight, const torch::Tensor& bias);

  torch::Tensor operator()(const torch::Tensor& x) const;  // (B, K) -> (B, N)

  bool deferred() const { return kept_.defined(); }

 private:
  // What the steps' backward nodes keep for dW (a DeferredWeightGradients, DeferredLinear.cpp);
  // null when not deferred.
  c10::intrusive_ptr<torch::CustomClassHolder> kept_;
  torch::Tensor weight_;                               // (N, K): the weight, or its stand-in
  torch::Tensor bias_;                                 // (N) or undefined
};

}  // namespace s2s
