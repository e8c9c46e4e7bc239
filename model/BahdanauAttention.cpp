#include "model/BahdanauAttention.h"

#include <limits>

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
  return attend(W(query), keys, annotations, mask.logical_not());
}

std::pair<torch::Tensor, torch::Tensor> BahdanauAttentionImpl::attend(
    const torch::Tensor& projected_query, const torch::Tensor& keys,
    const torch::Tensor& annotations, const torch::Tensor& padding) {
  auto energies = v(torch::tanh(projected_query.unsqueeze(1) + keys)).squeeze(-1);  // (B, T_src)
  // -inf, not a large negative number: exp(-inf) is exactly 0, so padding gets exactly zero
  // weight and zero gradient. Safe because every row has at least one real token.
  energies = energies.masked_fill(padding, -std::numeric_limits<double>::infinity());
  const auto weights = torch::softmax(energies, -1);                 // (B, T_src)
  const auto context = torch::bmm(weights.unsqueeze(1), annotations).squeeze(1);  // (B, K)
  return {context, weights};
}

}  // namespace s2s
