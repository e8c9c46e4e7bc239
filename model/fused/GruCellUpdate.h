#pragma once
// One GRU cell update from its gate pre-activations: what LibTorch's GRUCell computes after
// its two matrix products, in one pass forward and one backward on the CPU
// (GruCellKernel.h), and as LibTorch's own composition of ops elsewhere (CUDA, bf16 autocast,
// other dtypes) and as the reference the tests hold the fused pass to.
//
//   r = sigmoid(i_r + h_r)   z = sigmoid(i_z + h_z)   n = tanh(i_n + r * h_n)
//   s' = (1 - z) n + z s
//
// input_gates = W_ih x + b_ih and recurrent_gates = W_hh s + b_hh, each (B, 3D) in GRUCell's
// gate order r, z, n; hidden s (B, D). Gradients flow to all three.
#include <torch/torch.h>

namespace s2s {

//
// active, when given: (B) bool on hidden's device. A row where it is false keeps its state
// (s' = s exactly) and gives its gates no gradient, as torch::where(active, s', s) does: an
// RNN run right to left over a padded batch starts each row at its own last token this way.
torch::Tensor gru_cell_update(const torch::Tensor& input_gates, const torch::Tensor& recurrent_gates,
                              const torch::Tensor& hidden, const torch::Tensor& active = {});  // (B, D)

// The same function as ATen ops (LibTorch's GRUCell formula, ATen RNN.cpp).
torch::Tensor gru_cell_update_composed(const torch::Tensor& input_gates, const torch::Tensor& recurrent_gates,
                                       const torch::Tensor& hidden, const torch::Tensor& active = {});  // (B, D)

}  // namespace s2s
