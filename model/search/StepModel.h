#pragma once
// What greedy and beam search need from a model: encode a batch once, start a state, and
// advance one target token at a time. Seq2Seq satisfies it through Seq2SeqStepModel; tests
// implement it directly with hand-made distributions, so that search behaviour (EOS,
// maximum length, beam vs greedy) can be checked on cases whose answer is known exactly.
//
// Contract (the same as Seq2Seq's step API, see model/README.md):
//   encode(src (B,T_src) int64, src_lengths (B) int64) -> EncoderOutput with B rows
//   initial_state(enc)                                  -> DecoderState with B rows
//   step(enc, state, prev_tokens (B))                   -> log_probs (B,V), state, attention (B,T_src)
// Rows of EncoderOutput and DecoderState are reordered with their index_select().
#include <torch/torch.h>

#include "model/DecoderState.h"
#include "model/EncoderOutput.h"
#include "model/StepOutput.h"

namespace s2s {

class StepModel {
 public:
  virtual ~StepModel() = default;
  virtual EncoderOutput encode(const torch::Tensor& src, const torch::Tensor& src_lengths) = 0;
  virtual DecoderState initial_state(const EncoderOutput& encoded) = 0;
  virtual StepOutput step(const EncoderOutput& encoded, const DecoderState& state,
                          const torch::Tensor& prev_tokens) = 0;
};

}  // namespace s2s
