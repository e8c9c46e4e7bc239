#pragma once
// The bidirectional RNN encoder (paper A.2.1): source embeddings through `encoder_layers`
// stacked bidirectional GRU/LSTM layers. Annotation h_j = [forward h_j; backward h_j] of the
// top layer. The backward direction starts at each sentence's own last token and padding
// never reaches a real position: sequences are packed on CUDA (cuDNN), and on the CPU each
// direction runs over the padded batch: a GRU's steps written out with a fused cell
// (fused/GruCellUpdate.h; faster to train there; the same function), the backward direction
// right to left with each row's state held at zero until its own last token; an LSTM's
// backward direction over each row reversed within its length. Dropout comes as DropoutMasks from
// Seq2Seq (never LibTorch's own RNN dropout, whose masks depend on the process).
// B = batch rows, T_src = padded source length, E = embed_dim, H = encoder_hidden.
#include <torch/torch.h>

#include "model/DropoutMasks.h"
#include "model/ModelOptions.h"

namespace s2s {

class EncoderImpl : public torch::nn::Module {
 public:
  EncoderImpl(const ModelOptions& options, int64_t vocab_size);

  // src:     (B, T_src) int64 ids, padded with kPadId (the padding is never read).
  // lengths: (B) int64 on the CPU (packing needs them there), each in [1, T_src].
  // masks:   training dropout (source words, embeddings, between layers), or nullptr for none.
  // Inputs are checked by Seq2Seq::encode. Returns annotations (B, T_src, 2H), zero on padding.
  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& lengths,
                        const DropoutMasks* masks = nullptr);

  int64_t hidden_size() const { return hidden_size_; }

  torch::nn::Embedding embedding{nullptr};  // (src_vocab, E), row kPadId stays zero
  torch::nn::GRU gru{nullptr};              // registered as "rnn" when model.cell = gru
  torch::nn::LSTM lstm{nullptr};            // registered as "rnn" when model.cell = lstm

 private:
  // The two ways to run the stack; both return annotations (B, T_src, 2H), zero on padding.
  // embedded: (B, T_src, E); lengths: (B) int64 on the CPU.
  torch::Tensor packed(const torch::Tensor& embedded, const torch::Tensor& lengths);  // CUDA
  // CPU, and CUDA when dropout acts between layers.
  torch::Tensor padded(const torch::Tensor& embedded, const torch::Tensor& lengths,
                       const DropoutMasks* masks);

  int64_t hidden_size_;
  int64_t layers_;
  double dropout_;
  double source_word_dropout_;
  bool variational_;
};
TORCH_MODULE(Encoder);

}  // namespace s2s
