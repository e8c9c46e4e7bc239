#pragma once
// The attention contexts of every decoder step of one forward pass, c_t = sum_j alpha_tj h_j,
// whose gradient for the annotations is one batched matrix product over all the steps.
//
// Why: autograd's gradient of each step's bmm for the annotations is an outer product
// alpha_t^T dc_t of the size of the annotations, (B, T_src, K), and one add of it into their
// gradient: T of each per update, memory-bound passes over 8 MB for a typical batch
// (64 x 30 x 1024), about 60 ms of a 1.5 s CPU step (bench/RESULTS.md, 2026-12-04). The sum
// over t is one product of the stacked weights and gradients,
// (B, T_src, T_tgt) @ (B, T_tgt, K). As in DeferredLinear, each step's backward node
// computes only the weights' gradient dalpha_t = H dc_t and keeps (alpha_t, dc_t); one node on
// the annotations, which autograd runs after every step's node, turns them into dH.
//
// The same function as torch::bmm(alpha.unsqueeze(1), annotations).squeeze(1) at every step,
// the same gradients up to summation order (tests/model/fused/AttentionContextsTest.cpp). Plain
// bmm where nothing is recorded (grad mode off, annotations that need no gradient) and under
// autocast (bf16), whose casts it does not replicate.
// B = batch rows, T_src = padded source length, K = annotation size (2 * encoder_hidden).
#include <torch/torch.h>

namespace s2s {

class AttentionContexts {
 public:
  // annotations: (B, T_src, K). Build one per forward pass, before the steps.
  explicit AttentionContexts(const torch::Tensor& annotations);

  // weights: (B, T_src), alpha_t. Returns c_t: (B, K).
  torch::Tensor operator()(const torch::Tensor& weights) const;

  bool deferred() const { return kept_.defined(); }

 private:
  // What the steps' backward nodes keep for dH (a KeptContextGradients,
  // AttentionContexts.cpp); null when not deferred.
  c10::intrusive_ptr<torch::CustomClassHolder> kept_;
  torch::Tensor annotations_;  // (B, T_src, K): the annotations, or their stand-in
};

}  // namespace s2s
