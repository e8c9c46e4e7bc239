#pragma once
// The result of the teacher-forced forward pass over whole targets (Seq2Seq::forward).
// B = batch rows, T_tgt = padded target length, T_src = padded source length,
// V = target vocabulary size. Rows t at or beyond a target's own length are computed from
// padding inputs: they are meaningless, and LabelSmoothedLoss ignores them through the pad
// targets.
#include <torch/torch.h>

namespace s2s {

struct Seq2SeqOutput {
  torch::Tensor logits;     // (B, T_tgt, V) unnormalised scores for y_t
  torch::Tensor attention;  // (B, T_tgt, T_src) alpha_tj; exactly 0 on source padding
};

}  // namespace s2s
