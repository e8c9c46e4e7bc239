#pragma once
// The CPU loops of AttentionEnergies (AttentionEnergies.h), on raw contiguous arrays: one
// row b of the batch per call, so that the caller can split the rows over threads.
//
// Why a kernel of our own: in eager LibTorch, e_tj = v^T tanh(q_t + k_j) is an add, a tanh
// and a matrix-vector product over a (B, T_src, A) tensor at every decoder step, and its
// backward five more passes over tensors of that size; for a typical batch (64 x 30 x 512)
// that is 7 ms of each decoder step (~14% of a training step), two-thirds of it the tanh
// (bench/RESULTS.md, 2026-12-04). Here each (b, j) row of A values is read once, in cache, and the energy comes
// out as one number; backward recomputes the tanh instead of keeping a (B, T_src, A) tensor
// for every step.
//
// The tanh is KernelVectors.h's: in float Eigen's rational approximation (within 2.5e-7 of
// tanh, float32's rounding of numbers near 1), in double 1 - 2 / (exp(2x) + 1) with ATen's
// vectorised exp; both several times the speed of ATen's vectorised tanh. Built for AVX2 + FMA on x86-64 (the file is compiled with
// those flags and ATen's AVX2 vectors; AttentionEnergies asks CpuKernelSupport.h before calling it),
// elsewhere with ATen's portable vectors.
//
// T = float or double. Shapes (all contiguous, row-major):
//   query (A) of row b, keys (T_src, A) of row b, v (A), padding (T_src) of row b.
#include <cstdint>

namespace s2s::attention_kernel {

// energies (T_src): v . tanh(query + keys_j) on real positions, -inf on padding.
template <class T>
void energies_forward(const T* query, const T* keys, const T* v, const bool* padding, int64_t t_src,
                      int64_t a, T* energies);

// From grad (T_src), the gradient of energies_forward's output, on real positions:
//   d_j = grad_j * v * (1 - tanh(query + keys_j)^2)
//   grad_query (A)     = sum_j d_j                      (written)
//   grad_keys (T_src, A) row j += d_j                    (added; untouched on padding)
//   grad_v (A)         = sum_j grad_j tanh(...)         (written: row b's share)
template <class T>
void energies_backward(const T* grad, const T* query, const T* keys, const T* v, const bool* padding,
                       int64_t t_src, int64_t a, T* grad_query, T* grad_keys, T* grad_v);

}  // namespace s2s::attention_kernel
