#pragma once
// The result of one decoder step (Seq2Seq::step): what greedy and beam search consume.
// B = batch rows (or hypotheses), V = target vocabulary size, T_src = padded source length.
#include <torch/torch.h>

#include "model/DecoderState.h"

namespace s2s {

struct StepOutput {
  torch::Tensor log_probs;  // (B, V) log p(y_t | y_<t, x), normalised over the vocabulary
  DecoderState state;       // s_t (and LSTM cells): pass it to the next step
  torch::Tensor attention;  // (B, T_src) alpha_tj used for c_t; exactly 0 on source padding
};

}  // namespace s2s
