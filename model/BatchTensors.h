#pragma once
// A data::Batch as the model's input tensors on its device: what training, validation and
// decoding all feed the model. On the CPU the vectors are copied into tensors; on a GPU the
// three id matrices go through one pinned host buffer and one non-blocking copy (.cpp).
#include <torch/torch.h>

#include "data/Batch.h"

namespace s2s {

struct BatchTensors {
  torch::Tensor src;          // (B, T_src) int64 source ids + </s>, padded with 0
  torch::Tensor src_lengths;  // (B) int64, on the CPU (packing wants host lengths)
  torch::Tensor tgt_in;       // (B, T_tgt) int64 <s> y_1..y_m, padded
  torch::Tensor tgt_out;      // (B, T_tgt) int64 y_1..y_m </s>, padded
  torch::Tensor pair_ids;     // (B) int64 on the CPU, ids within the split (-1: none); dropout keys
  int64_t src_tokens = 0;     // non-pad source tokens
  int64_t tgt_tokens = 0;     // non-pad target tokens: the loss's share of the denominator
  bool filler = false;        // keeps this rank in step only: its loss gets zero weight

  static BatchTensors from(const Batch& batch, const torch::Device& device);
};

}  // namespace s2s
