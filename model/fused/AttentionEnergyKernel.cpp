#include "model/fused/AttentionEnergyKernel.h"

// Only ATen's vectors (through KernelVectors.h): this file is compiled with other
// instruction-set flags than the rest (model/CMakeLists.txt), so it must not share the
// precompiled torch header, and what it includes should be ATen's per-instruction-set
// (inline namespace) code.
#include "model/fused/KernelVectors.h"

#include <algorithm>
#include <limits>

namespace s2s::attention_kernel {
namespace {

using kernel_vectors::load;
using kernel_vectors::store;
using kernel_vectors::sum_of_lanes;
using kernel_vectors::tanh_of;
using kernel_vectors::Vec;

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
