#include "model/fused/GruCellKernel.h"

// Only ATen's vectors (through KernelVectors.h): this file is compiled with other
// instruction-set flags than the rest (model/CMakeLists.txt), as AttentionEnergyKernel.cpp.
#include "model/fused/KernelVectors.h"

#include <algorithm>

namespace s2s::gru_kernel {
namespace {

using kernel_vectors::load;
using kernel_vectors::sigmoid_of;
using kernel_vectors::store;
using kernel_vectors::tanh_of;
using kernel_vectors::Vec;

}  // namespace

template <class T>
void forward(const T* input, const T* recurrent, const T* hidden, int64_t d, T* next, T* work) {
  constexpr int64_t n = Vec<T>::size();
  for (int64_t i = 0; i < d; i += n) {
    const int64_t count = std::min(n, d - i);
    const Vec<T> r = sigmoid_of(load(input + i, count) + load(recurrent + i, count));
    const Vec<T> z = sigmoid_of(load(input + d + i, count) + load(recurrent + d + i, count));
    const Vec<T> h_n = load(recurrent + 2 * d + i, count);
    const Vec<T> c = tanh_of(at::vec::fmadd(r, h_n, load(input + 2 * d + i, count)));
    const Vec<T> s = load(hidden + i, count);
    store(at::vec::fmadd(s - c, z, c), next + i, count);  // (s - n) z + n
    if (work) {
      store(r, work + i, count);
      store(z, work + d + i, count);
      store(c, work + 2 * d + i, count);
      store(h_n, work + 3 * d + i, count);
    }
  }
}

template <class T>
void backward(const T* grad, const T* hidden, const T* work, int64_t d, T* grad_input, T* grad_recurrent,
              T* grad_hidden) {
  constexpr int64_t n = Vec<T>::size();
  const Vec<T> one(T(1));
  for (int64_t i = 0; i < d; i += n) {
    const int64_t count = std::min(n, d - i);
    const Vec<T> g = load(grad + i, count);
    const Vec<T> r = load(work + i, count);
    const Vec<T> z = load(work + d + i, count);
    const Vec<T> c = load(work + 2 * d + i, count);
    const Vec<T> h_n = load(work + 3 * d + i, count);
    const Vec<T> s = load(hidden + i, count);
    const Vec<T> dn = g * (one - z) * (one - c * c);
    const Vec<T> dz = g * (s - c) * z * (one - z);
    const Vec<T> dr = dn * h_n * r * (one - r);
    store(dr, grad_input + i, count);
    store(dz, grad_input + d + i, count);
    store(dn, grad_input + 2 * d + i, count);
    store(dr, grad_recurrent + i, count);
    store(dz, grad_recurrent + d + i, count);
    store(dn * r, grad_recurrent + 2 * d + i, count);
    store(g * z, grad_hidden + i, count);
  }
}

template void forward<float>(const float*, const float*, const float*, int64_t, float*, float*);
template void forward<double>(const double*, const double*, const double*, int64_t, double*, double*);
template void backward<float>(const float*, const float*, const float*, int64_t, float*, float*, float*);
template void backward<double>(const double*, const double*, const double*, int64_t, double*, double*,
                               double*);

}  // namespace s2s::gru_kernel
