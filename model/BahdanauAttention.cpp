#include "model/BahdanauAttention.h"

namespace s2s {

namespace nn = torch::nn;

BahdanauAttentionImpl::BahdanauAttentionImpl(int64_t query_dim, int64_t annotation_dim,
                                             int64_t attention_dim) {
  W = register_module("W", nn::Linear(nn::LinearOptions(query_dim, attention_dim).bias(false)));
  U = register_module("U", nn::Linear(nn::LinearOptions(annotation_dim, attention_dim)));
  v = register_module("v", nn::Linear(nn::LinearOptions(attention_dim, 1).bias(false)));
}

torch::Tensor BahdanauAttentionImpl::keys(const torch::Tensor& annotations) {
  return U(annotations);  // (B, T_src, A)
}

std::pair<torch::Tensor, torch::Tensor> BahdanauAttentionImpl::forward(
    const torch::Tensor& query, const torch::Tensor& keys, const torch::Tensor& annotations,
    const torch::Tensor& mask) {
  return attend(energies(keys, mask.logical_not()), AttentionContexts(annotations), W(query));
}

AttentionEnergies BahdanauAttentionImpl::energies(const torch::Tensor& keys, const torch::Tensor& padding) const {
  return AttentionEnergies(keys, v->weight, padding);
}

std::pair<torch::Tensor, torch::Tensor> BahdanauAttentionImpl::attend(const AttentionEnergies& energies,
                                                                      const AttentionContexts& contexts,
                                                                      const torch::Tensor& projected_query) {
  const auto weights = torch::softmax(energies(projected_query), -1);  // (B, T_src), exactly 0 on padding
  return {contexts(weights), weights};                                 // (B, K), (B, T_src)
}

}  // namespace s2s
