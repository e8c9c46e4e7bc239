#pragma once
// The attention energies of every decoder step of one forward pass,
//
//   e_tj = v^T tanh(W s_{t-1} + U h_j)   on real source positions, -inf on padding,
//
// fused on the CPU: one pass over the keys per step forward and one backward, where eager
// LibTorch makes a (B, T_src, A) tensor three times forward and five times backward
// (AttentionEnergyKernel.h says why and how). The gradient of the keys is summed over the
// steps in one buffer: like DeferredLinear, a stand-in node on the keys, which autograd runs
// only after every step's node, hands it on, instead of T adds of a (B, T_src, A) tensor.
//
// The same function as v(tanh(W s + keys)).squeeze(-1).masked_fill(padding, -inf) and the
// same gradients, up to rounding (tests/model/fused/AttentionEnergiesTest.cpp). That composition
// itself runs where the kernel does not: on other devices (CUDA has its own fused
// elementwise kernels), other dtypes than float and double, under autocast (bf16) and on
// x86 CPUs without AVX2.
// B = batch rows, T_src = padded source length, A = attention_dim.
#include <torch/torch.h>

namespace s2s {

class AttentionEnergies {
 public:
  // keys: (B, T_src, A), U h_j + b; v: (1, A) or (A); padding: (B, T_src) bool, true on
  // padding. Build one per forward pass, before the steps.
  AttentionEnergies(const torch::Tensor& keys, const torch::Tensor& v, const torch::Tensor& padding);

  // projected_query: (B, A), W s_{t-1}. Returns e_t: (B, T_src), -inf on padding.
  torch::Tensor operator()(const torch::Tensor& projected_query) const;

  bool fused() const { return fused_; }

 private:
  // The keys' gradient summed over the steps (a SummedKeysGradient, AttentionEnergies.cpp);
  // null when no gradient is recorded or the composition runs.
  c10::intrusive_ptr<torch::CustomClassHolder> summed_;
  torch::Tensor keys_;     // (B, T_src, A): the keys, or their stand-in
  torch::Tensor v_;        // (A)
  torch::Tensor padding_;  // (B, T_src) bool
  bool fused_ = false;
};

}  // namespace s2s
