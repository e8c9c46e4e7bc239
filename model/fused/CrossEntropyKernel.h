#pragma once
// The CPU loops of smoothed_cross_entropy (SmoothedCrossEntropy.h) on one row of logits, so
// that the caller can split the rows over threads.
//
// Why a kernel of our own: as LibTorch ops, the label-smoothed loss materialises the (N, V)
// log-probabilities, reads them again for the target's and the uniform term, and its
// backward builds two (N, V) gradients (a scatter into zeros and an expanded sum), adds them
// and runs log_softmax's backward: about ten passes over an (N, V) tensor (61 MB for a batch
// of 64 x 30 targets over 8000 words). Here forward reads each row twice (max and sum of x,
// then the sum of exp) and writes three numbers; backward reads it once and writes the
// gradient once. With lse = log sum_v exp(x_v):
//
//   nll  = lse - x_y           loss = (1 - eps) nll + eps (lse - sum_v x_v / V)
//   d loss / d x_v = exp(x_v - lse) - eps / V - (1 - eps) [v = y]
//
// exp is ATen's vectorised one (Sleef, 1 ulp), as AttentionEnergyKernel.h. T = float or
// double; a row x has V contiguous values.
#include <cstdint>

namespace s2s::cross_entropy_kernel {

// loss, nll and lse of one row whose target is y (0 <= y < V).
template <class T>
void row_forward(const T* x, int64_t v, int64_t y, T epsilon, T* loss, T* nll, T* lse);

// grad (V) = g * d loss / d x for the row (written).
template <class T>
void row_backward(const T* x, int64_t v, int64_t y, T lse, T g, T epsilon, T* grad);

}  // namespace s2s::cross_entropy_kernel
