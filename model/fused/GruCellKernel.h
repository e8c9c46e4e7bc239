#pragma once
// The CPU loops of gru_cell_update (GruCellUpdate.h) on raw arrays: one row b of the batch
// per call, so that the caller can split the rows over threads.
//
// Why a kernel of our own: LibTorch's GRU cell is ten elementwise ops forward (two adds and a
// sigmoid per gate, a multiply, the tanh, the interpolation), each its own pass over a (B, D)
// tensor and its own autograd node, and about fifteen backward; at the decoder's shapes
// (64 x 256 to 64 x 512) each pass is a few microseconds of work behind a few microseconds of
// dispatch. Here forward is one pass that also keeps r, z, n and the recurrent n-gate for
// backward, and backward one pass that writes all three gradients.
//
// Gates are in LibTorch's order (r, z, n; GRUCell's weights), biases already added:
//   r = sigmoid(i_r + h_r)   z = sigmoid(i_z + h_z)   n = tanh(i_n + r * h_n)
//   s' = (1 - z) n + z s
// sigmoid(x) = 1 / (1 + exp(-x)) with ATen's vectorised exp (Sleef, 1 ulp), tanh as in
// AttentionEnergyKernel.h (KernelVectors.h). Built for AVX2 + FMA on x86-64 (the file has
// those flags; GruCellUpdate.cpp asks CpuKernelSupport.h), elsewhere with ATen's portable vectors.
//
// T = float or double. Per row: input (3D), recurrent (3D), hidden (D), contiguous within the
// row; work (4D): r, z, n, h_n of the row.
#include <cstdint>

namespace s2s::gru_kernel {

// next (D) = s'; work (4D) = [r, z, n, h_n] when not null.
template <class T>
void forward(const T* input, const T* recurrent, const T* hidden, int64_t d, T* next, T* work);

// From grad (D), the gradient of s':
//   grad_input (3D)     = [dr, dz, dn]            dn = grad (1 - z) (1 - n^2)
//   grad_recurrent (3D) = [dr, dz, dn * r]        dz = grad (s - n) z (1 - z)
//   grad_hidden (D)     = grad z                  dr = dn h_n r (1 - r)
// (all written, none added).
template <class T>
void backward(const T* grad, const T* hidden, const T* work, int64_t d, T* grad_input, T* grad_recurrent,
              T* grad_hidden);

}  // namespace s2s::gru_kernel
