#pragma once
// train.allow_tf32: whether float32 matmuls (cuBLAS) and cuDNN's convolutions and RNNs may
// use TensorFloat-32 (a 10-bit mantissa on the tensor cores of Ampere and later GPUs: several
// times the float32 throughput, about 1e-3 relative error per product). Older GPUs and the
// CPU ignore the setting. Process-wide (LibTorch's global context): the trainer sets it once
// at start on a CUDA device.
namespace s2s {

void set_allow_tf32(bool allow);

}  // namespace s2s
