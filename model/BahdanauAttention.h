#pragma once
// Additive attention (Bahdanau et al. 2015, eq. 6 and A.1.2):
//
//   e_tj = v^T tanh(W s_{t-1} + U h_j)     alpha_tj = softmax_j(e_tj)     c_t = sum_j alpha_tj h_j
//
// U h_j does not depend on t, so keys() computes it once per batch at encode time and every
// step only adds W s_{t-1}. Padded source positions get exactly zero weight.
// B = batch rows, T_src = padded source length, Q = query size (decoder_hidden),
// K = annotation size (2 * encoder_hidden), A = attention_dim.
#include <torch/torch.h>

#include <utility>

#include "model/fused/AttentionContexts.h"
#include "model/fused/AttentionEnergies.h"

namespace s2s {

class BahdanauAttentionImpl : public torch::nn::Module {
 public:
  BahdanauAttentionImpl(int64_t query_dim, int64_t annotation_dim, int64_t attention_dim);

  // annotations: (B, T_src, K). Returns U h_j + b: (B, T_src, A).
  torch::Tensor keys(const torch::Tensor& annotations);

  // query:       (B, Q)          s_{t-1}, the previous top-layer decoder state
  // keys:        (B, T_src, A)   from keys()
  // annotations: (B, T_src, K)   h_j
  // mask:        (B, T_src) bool true on real tokens; every row has at least one
  // Returns {context c_t (B, K), weights alpha_t (B, T_src)}.
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& query,
                                                  const torch::Tensor& keys,
                                                  const torch::Tensor& annotations,
                                                  const torch::Tensor& mask);
  // The energies over `keys` (from keys()) with this module's v, for the steps of one
  // forward pass; padding: (B, T_src) bool, true on padding (!mask).
  AttentionEnergies energies(const torch::Tensor& keys, const torch::Tensor& padding) const;

  // The same as forward() from W s_{t-1} computed by the caller (the teacher-forced decoder
  // computes it in one matmul with the top cell's recurrent projection, which reads the same
  // s_{t-1}), with the energies and contexts over the annotations built once for all steps.
  // projected_query: (B, A) W s_{t-1}. Returns {c_t (B, K), alpha_t (B, T_src)}.
  std::pair<torch::Tensor, torch::Tensor> attend(const AttentionEnergies& energies,
                                                 const AttentionContexts& contexts,
                                                 const torch::Tensor& projected_query);

  // Named after the paper's matrices. Only U carries a bias: one bias inside the tanh is all
  // the model can use, and a bias on v would cancel in the softmax.
  torch::nn::Linear W{nullptr};  // (A, Q)
  torch::nn::Linear U{nullptr};  // (A, K) + bias (A)
  torch::nn::Linear v{nullptr};  // (1, A)
};
TORCH_MODULE(BahdanauAttention);

}  // namespace s2s
