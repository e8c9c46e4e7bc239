#pragma once
// Model FLOPs of one training step, exactly the formula of bench/FLOPS.md (and of
// bench/torch_reference.py's flops_per_step()): matmul FLOPs only, a multiply-add counts 2,
// training = 3 x forward. `s2s bench` divides it by the step time and by a measured GEMM
// peak to report MFU.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/ModelOptions.h"

namespace s2s {

// The shape of one batch as the formula sees it.
struct BatchShape {
  int64_t rows = 0;        // B
  int64_t src_len = 0;     // S = T_src, padded source length
  int64_t tgt_len = 0;     // T = T_tgt, decoder steps
  int64_t src_tokens = 0;  // N_src, real source tokens (the packed encoder runs on these)
};

class ModelFlops {
 public:
  ModelFlops(const ModelOptions& model, int64_t tgt_vocab);

  // Training FLOPs of one step per component of bench/FLOPS.md, in its table's order,
  // e.g. {"encoder_gru_input", 3 * fwd}; names as torch_reference.py's keys.
  std::vector<std::pair<std::string, double>> components(const BatchShape& batch) const;
  // The sum of components(): FLOPs of one training step.
  double training_step(const BatchShape& batch) const;

 private:
  ModelOptions model_;
  int64_t vocab_;
};

}  // namespace s2s
