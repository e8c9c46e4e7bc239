#pragma once
// What the decoder needs from the source side, computed once per batch by Seq2Seq::encode
// and read by every decoder step (teacher-forced or step-wise). B = batch rows,
// T_src = padded source length, H = model.encoder_hidden, A = model.attention_dim.
#include <torch/torch.h>

namespace s2s {

struct EncoderOutput {
  torch::Tensor annotations;  // (B, T_src, 2H) h_j = [forward; backward]; zero on padding
  torch::Tensor keys;         // (B, T_src, A)  U h_j (+ bias), precomputed so no step redoes it
  torch::Tensor mask;         // (B, T_src) bool, true on real source tokens
  torch::Tensor lengths;      // (B) int64, real source lengths, on the device of annotations

  int64_t batch_size() const { return annotations.size(0); }
  int64_t source_length() const { return annotations.size(1); }  // T_src

  // Rows `indices` of every field, in that order; rows may repeat (beam search expands each
  // sentence to k hypotheses and reorders them after every step).
  // indices: (B') int64 in [0, B) on any device. Returns a B'-row EncoderOutput.
  EncoderOutput index_select(const torch::Tensor& indices) const;
};

}  // namespace s2s
