#include "model/Readout.h"

#include "core/Check.h"

namespace s2s {

ReadoutImpl::ReadoutImpl(ReadoutKind kind, int64_t state_dim, int64_t embed_dim,
                         int64_t context_dim, int64_t readout_dim)
    : maxout_(kind == ReadoutKind::maxout), readout_dim_(readout_dim) {
  const int64_t out = maxout_ ? 2 * readout_dim : readout_dim;
  linear = register_module(
      "linear", torch::nn::Linear(state_dim + embed_dim + context_dim, out));
}

torch::Tensor ReadoutImpl::forward(const torch::Tensor& state, const torch::Tensor& embedded,
                                   const torch::Tensor& context) {
  const auto pre = linear(torch::cat({state, embedded, context}, -1));  // (..., 2R or R)
  if (!maxout_) return torch::tanh(pre);                                 // (..., R)
  // Adjacent pairs (t~_{2i-1}, t~_{2i}) as in the paper.
  return pre.unflatten(-1, {readout_dim_, 2}).amax(-1);                  // (..., R)
}

}  // namespace s2s
