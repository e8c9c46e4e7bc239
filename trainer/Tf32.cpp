#include "trainer/Tf32.h"

#include <ATen/Context.h>

namespace s2s {

void set_allow_tf32(bool allow) {
  // The legacy setters: in this LibTorch they also set the new per-backend precision
  // (cuda matmul, cudnn conv and rnn), so both APIs read the same answer.
  at::globalContext().setAllowTF32CuBLAS(allow);
  at::globalContext().setAllowTF32CuDNN(allow);
}

}  // namespace s2s
