#pragma once
// An optimizer that can divide every gradient by one number inside its own step: the fused
// Adam kernels' grad_scale (what PyTorch's AMP GradScaler unscales with), which reads and
// writes each gradient in the pass that updates the parameter anyway. TrainStep divides by
// (global target tokens / clip factor) this way instead of multiplying every gradient twice
// before the step: two passes over all the gradients fewer per update.

#include <torch/types.h>

namespace s2s {

class GradientDivisor {
 public:
  virtual ~GradientDivisor() = default;

  // The next step() (only that one) updates with grad / divisor and leaves grad / divisor in
  // each parameter's .grad(). divisor: a () float32 tensor on the parameters' device, > 0;
  // undefined: no division.
  virtual void divide_gradients_in_next_step(torch::Tensor divisor) = 0;
};

}  // namespace s2s
