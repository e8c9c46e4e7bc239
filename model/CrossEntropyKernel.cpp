#include "model/CrossEntropyKernel.h"

// Only ATen's vector header: this file is compiled with other instruction-set flags than the
// rest (model/CMakeLists.txt), as AttentionEnergyKernel.cpp.
#include <ATen/cpu/vec/vec.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace s2s::cross_entropy_kernel {
namespace {

template <class T>
using Vec = at::vec::Vectorized<T>;

template <class T>
T lanes_sum(const Vec<T>& x) {
  alignas(64) T lanes[Vec<T>::size()];
  x.store(lanes);
  T sum = 0;
  for (int i = 0; i < Vec<T>::size(); ++i) sum += lanes[i];
  return sum;
}

template <class T>
T lanes_max(const Vec<T>& x) {
  alignas(64) T lanes[Vec<T>::size()];
  x.store(lanes);
  T m = lanes[0];
  for (int i = 1; i < Vec<T>::size(); ++i) m = std::max(m, lanes[i]);
  return m;
}

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
  T m = lanes_max(max_lanes), sum_x = lanes_sum(sum_lanes);
  for (int64_t i = full; i < v; ++i) {
    m = std::max(m, x[i]);
    sum_x += x[i];
  }
  // Pass 2: sum of exp(x - max).
  const Vec<T> shift(m);
  Vec<T> exp_lanes(T(0));
  for (int64_t i = 0; i < full; i += n) exp_lanes = exp_lanes + (Vec<T>::loadu(x + i) - shift).exp();
  T sum_exp = lanes_sum(exp_lanes);
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
