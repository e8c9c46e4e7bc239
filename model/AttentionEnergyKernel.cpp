#include "model/AttentionEnergyKernel.h"

// Only ATen's vector header: this file is compiled with other instruction-set flags than
// the rest (model/CMakeLists.txt), so it must not share the precompiled torch header, and
// what it includes should be ATen's per-instruction-set (inline namespace) code.
#include <ATen/cpu/vec/vec.h>

#include <algorithm>
#include <limits>

namespace s2s::attention_kernel {
namespace {

template <class T>
using Vec = at::vec::Vectorized<T>;

// tanh(x) = 1 - 2 / (exp(2x) + 1): exact limits +-1 (exp overflows to inf or underflows to
// 0), NaN stays NaN; absolute error about one unit of the last place of 1.
template <class T>
Vec<T> tanh_of(const Vec<T>& x) {
  const Vec<T> one(T(1)), two(T(2));
  return one - two / ((x * two).exp() + one);
}

// Loads and stores of `count` <= size() lanes; a short one fills the other lanes with zeros
// (tanh(0) = 0: they add nothing). The full ones take the fast path.
template <class T>
Vec<T> load(const T* p, int64_t count) {
  return count == Vec<T>::size() ? Vec<T>::loadu(p) : Vec<T>::loadu(p, static_cast<int>(count));
}

template <class T>
void store(const Vec<T>& x, T* p, int64_t count) {
  if (count == Vec<T>::size()) x.store(p); else x.store(p, static_cast<int>(count));
}

template <class T>
T sum_of_lanes(const Vec<T>& x) {
  alignas(64) T lanes[Vec<T>::size()];
  x.store(lanes);
  T sum = 0;
  for (int i = 0; i < Vec<T>::size(); ++i) sum += lanes[i];
  return sum;
}

}  // namespace

template <class T>
void energies_forward(const T* query, const T* keys, const T* v, const bool* padding, int64_t t_src,
                      int64_t a, T* energies) {
  constexpr int64_t n = Vec<T>::size();
  for (int64_t j = 0; j < t_src; ++j) {
    if (padding[j]) {
      energies[j] = -std::numeric_limits<T>::infinity();
      continue;
    }
    const T* key = keys + j * a;
    Vec<T> acc(T(0));
    for (int64_t i = 0; i < a; i += n) {
      const int64_t count = std::min(n, a - i);
      acc = at::vec::fmadd(tanh_of(load(query + i, count) + load(key + i, count)), load(v + i, count), acc);
    }
    energies[j] = sum_of_lanes(acc);
  }
}

template <class T>
void energies_backward(const T* grad, const T* query, const T* keys, const T* v, const bool* padding,
                       int64_t t_src, int64_t a, T* grad_query, T* grad_keys, T* grad_v) {
  constexpr int64_t n = Vec<T>::size();
  const Vec<T> one(T(1));
  for (int64_t i = 0; i < a; ++i) grad_query[i] = grad_v[i] = T(0);
  for (int64_t j = 0; j < t_src; ++j) {
    if (padding[j]) continue;  // masked_fill's backward: no gradient through padding
    const Vec<T> g(grad[j]);
    const T* key = keys + j * a;
    T* grad_key = grad_keys + j * a;
    for (int64_t i = 0; i < a; i += n) {
      const int64_t count = std::min(n, a - i);
      const Vec<T> y = tanh_of(load(query + i, count) + load(key + i, count));
      const Vec<T> d = g * load(v + i, count) * (one - y * y);
      store(load(grad_query + i, count) + d, grad_query + i, count);
      store(load(grad_key + i, count) + d, grad_key + i, count);
      store(at::vec::fmadd(g, y, load(grad_v + i, count)), grad_v + i, count);
    }
  }
}

template void energies_forward<float>(const float*, const float*, const float*, const bool*, int64_t, int64_t,
                                      float*);
template void energies_forward<double>(const double*, const double*, const double*, const bool*, int64_t,
                                       int64_t, double*);
template void energies_backward<float>(const float*, const float*, const float*, const float*, const bool*,
                                       int64_t, int64_t, float*, float*, float*);
template void energies_backward<double>(const double*, const double*, const double*, const double*,
                                        const bool*, int64_t, int64_t, double*, double*, double*);

}  // namespace s2s::attention_kernel
