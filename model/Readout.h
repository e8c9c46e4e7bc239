#pragma once
// The output layer between the decoder and the vocabulary projection (paper A.2.2):
//
//   maxout: t~ = U_o s_t + V_o E y_{t-1} + C_o c_t   (2R),  t_i = max(t~_{2i-1}, t~_{2i})  (R)
//   tanh:   t  = tanh(Linear([s_t; E y_{t-1}; c_t]))                                       (R)
//
// U_o, V_o and C_o are stored as one matrix over the concatenation [s_t; E y_{t-1}; c_t]
// (columns in that order), which is the same function computed with one matmul.
// Works on any leading shape (...): (B) for one step, (B, T_tgt) for a whole target.
// D = decoder_hidden, E = embed_dim, K = 2 * encoder_hidden, R = readout_dim.
#include <torch/torch.h>

#include "model/ModelOptions.h"

namespace s2s {

class ReadoutImpl : public torch::nn::Module {
 public:
  ReadoutImpl(ReadoutKind kind, int64_t state_dim, int64_t embed_dim,
              int64_t context_dim, int64_t readout_dim);

  // state: (..., D) s_t; embedded: (..., E) E y_{t-1}; context: (..., K) c_t.
  // Returns (..., R).
  torch::Tensor forward(const torch::Tensor& state, const torch::Tensor& embedded,
                        const torch::Tensor& context);

  torch::nn::Linear linear{nullptr};  // (2R or R, D + E + K) + bias

 private:
  bool maxout_;
  int64_t readout_dim_;
};
TORCH_MODULE(Readout);

}  // namespace s2s
