#pragma once
// The vector arithmetic the CPU kernels of model/fused/ share (AttentionEnergyKernel,
// GruCellKernel, CrossEntropyKernel): ATen's Vectorized<T>, partial loads and stores, lane
// reductions, tanh and sigmoid. Include it only from those kernel files: they are compiled
// with their own instruction-set flags (model/CMakeLists.txt), and ATen's vectors take the
// instruction set from them.
#include <ATen/cpu/vec/vec.h>

#include <algorithm>
#include <cstdint>

namespace s2s::kernel_vectors {

template <class T>
using Vec = at::vec::Vectorized<T>;

// Loads and stores of `count` <= size() lanes (a short one at the end of a row fills the
// other lanes with zeros); the full ones take the fast path.
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

template <class T>
T max_of_lanes(const Vec<T>& x) {
  alignas(64) T lanes[Vec<T>::size()];
  x.store(lanes);
  T m = lanes[0];
  for (int i = 1; i < Vec<T>::size(); ++i) m = std::max(m, lanes[i]);
  return m;
}

// tanh in double: 1 - 2 / (exp(2x) + 1) with ATen's vectorised exp (Sleef, 1 ulp): exact
// limits +-1 (exp overflows to inf or underflows to 0), NaN stays NaN.
inline Vec<double> tanh_of(const Vec<double>& x) {
  const Vec<double> one(1.0), two(2.0);
  return one - two / ((x * two).exp() + one);
}

// tanh in float: the rational minimax approximation of Eigen (generic_fast_tanh_float; also
// MLAS's): x p(x^2) / q(x^2) on x clamped to +-7.9053111 (beyond, tanh rounds to +-1 within
// 3e-7), within about 2.5e-7 of tanh everywhere, as close as the exp form above is in float;
// 7 FMAs and a division instead of an exp and a division. NaN stays NaN.
inline Vec<float> tanh_of(const Vec<float>& input) {
  const Vec<float> x = at::vec::clamp(input, Vec<float>(-7.90531110763549805f), Vec<float>(7.90531110763549805f));
  const Vec<float> x2 = x * x;
  Vec<float> p = at::vec::fmadd(x2, Vec<float>(-2.76076847742355e-16f), Vec<float>(2.00018790482477e-13f));
  p = at::vec::fmadd(x2, p, Vec<float>(-8.60467152213735e-11f));
  p = at::vec::fmadd(x2, p, Vec<float>(5.12229709037114e-08f));
  p = at::vec::fmadd(x2, p, Vec<float>(1.48572235717979e-05f));
  p = at::vec::fmadd(x2, p, Vec<float>(6.37261928875436e-04f));
  p = at::vec::fmadd(x2, p, Vec<float>(4.89352455891786e-03f));
  Vec<float> q = at::vec::fmadd(x2, Vec<float>(1.19825839466702e-06f), Vec<float>(1.18534705686654e-04f));
  q = at::vec::fmadd(x2, q, Vec<float>(2.26843463243900e-03f));
  q = at::vec::fmadd(x2, q, Vec<float>(4.89352518554385e-03f));
  return (p * x) / q;
}

// sigmoid(x) = 1 / (1 + exp(-x)) with ATen's vectorised exp: relative accuracy also where
// sigmoid is tiny (a tanh-based form would carry tanh's absolute error there).
template <class T>
Vec<T> sigmoid_of(const Vec<T>& x) {
  const Vec<T> one(T(1));
  return one / (one + x.neg().exp());
}

}  // namespace s2s::kernel_vectors
