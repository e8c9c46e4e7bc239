#include "model/fused/CrossEntropyKernel.h"

// Only ATen's vectors (through KernelVectors.h): this file is compiled with other
// instruction-set flags than the rest (model/CMakeLists.txt), as AttentionEnergyKernel.cpp.
#include "model/fused/KernelVectors.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace s2s::cross_entropy_kernel {
namespace {

using kernel_vectors::max_of_lanes;
using kernel_vectors::sum_of_lanes;
using kernel_vectors::Vec;

}  // namespace

template <class T>
void row_forward(const T* x, int64_t v, int64_t y, T epsilon, T* loss, T* nll, T* lse) {
  constexpr int64_t n = Vec<T>::size();
  const int64_t full = v - v % n;
  // Pass 1: max and sum of x.
  Vec<T> max_lanes(-std::numeric_limits<T>::infinity()), sum_lanes(T(0));
  for (int64_t i = 0; i < full; i += n) {
    const Vec<T> a = Vec<T>::loadu(x + i);
    max_lanes = at::vec::maximum(max_lanes, a);
    sum_lanes = sum_lanes + a;
  }
  T m = max_of_lanes(max_lanes), sum_x = sum_of_lanes(sum_lanes);
  for (int64_t i = full; i < v; ++i) {
    m = std::max(m, x[i]);
    sum_x += x[i];
  }
  // Pass 2: sum of exp(x - max).
  const Vec<T> shift(m);
  Vec<T> exp_lanes(T(0));
  for (int64_t i = 0; i < full; i += n) exp_lanes = exp_lanes + (Vec<T>::loadu(x + i) - shift).exp();
  T sum_exp = sum_of_lanes(exp_lanes);
  for (int64_t i = full; i < v; ++i) sum_exp += std::exp(x[i] - m);
  const T log_sum = m + std::log(sum_exp);
  *lse = log_sum;
  *nll = log_sum - x[y];
  *loss = (T(1) - epsilon) * *nll + epsilon * (log_sum - sum_x / static_cast<T>(v));
}

template <class T>
void row_backward(const T* x, int64_t v, int64_t y, T lse, T g, T epsilon, T* grad) {
  constexpr int64_t n = Vec<T>::size();
  const int64_t full = v - v % n;
  const Vec<T> shift(lse), scale(g), uniform(epsilon / static_cast<T>(v));
  for (int64_t i = 0; i < full; i += n) {
    ((((Vec<T>::loadu(x + i) - shift).exp()) - uniform) * scale).store(grad + i);
  }
  for (int64_t i = full; i < v; ++i) grad[i] = g * (std::exp(x[i] - lse) - epsilon / static_cast<T>(v));
  grad[y] -= g * (T(1) - epsilon);
}

template void row_forward<float>(const float*, int64_t, int64_t, float, float*, float*, float*);
template void row_forward<double>(const double*, int64_t, int64_t, double, double*, double*, double*);
template void row_backward<float>(const float*, int64_t, int64_t, float, float, float, float*);
template void row_backward<double>(const double*, int64_t, int64_t, double, double, double, double*);

}  // namespace s2s::cross_entropy_kernel
