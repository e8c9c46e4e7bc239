#pragma once
// The recurrent state carried from one decoder step to the next. L = model.decoder_layers,
// B = batch rows (or hypotheses), D = model.decoder_hidden.
#include <torch/torch.h>

namespace s2s {

struct DecoderState {
  torch::Tensor hidden;  // (L, B, D) s_t of every layer; hidden[L-1] queries the attention
  torch::Tensor cell;    // (L, B, D) LSTM memory cells; undefined for GRU

  int64_t batch_size() const { return hidden.size(1); }
  int64_t num_layers() const { return hidden.size(0); }

  // Rows `indices` (along B) of every field, in that order, for beam search.
  // indices: (B') int64 on any device. Returns a B'-row DecoderState.
  DecoderState index_select(const torch::Tensor& indices) const;
};

}  // namespace s2s
