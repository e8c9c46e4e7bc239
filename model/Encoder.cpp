#include "model/Encoder.h"

#include <cmath>

#include "data/TokenIds.h"

namespace s2s {

namespace nn = torch::nn;
namespace rnn = torch::nn::utils::rnn;

EncoderImpl::EncoderImpl(const ModelOptions& options, int64_t vocab_size)
    : hidden_size_(options.encoder_hidden), dropout_(options.dropout) {
  embedding = register_module(
      "embedding",
      nn::Embedding(nn::EmbeddingOptions(vocab_size, options.embed_dim).padding_idx(kPadId)));
  // N(0, 1/E) rather than N(0, 1): inputs of roughly unit norm, as fairseq does.
  {
    torch::NoGradGuard no_grad;
    embedding->weight.normal_(0.0, 1.0 / std::sqrt(static_cast<double>(options.embed_dim)));
    embedding->weight[kPadId].zero_();
  }
  // LibTorch applies this dropout between stacked layers only, in train() mode only; it
  // warns when asked for dropout on a single layer, hence the condition.
  const double between_layers = options.encoder_layers > 1 ? options.dropout : 0.0;
  if (options.cell == CellKind::lstm) {
    lstm = register_module(
        "rnn", nn::LSTM(nn::LSTMOptions(options.embed_dim, options.encoder_hidden)
                            .num_layers(options.encoder_layers)
                            .dropout(between_layers)
                            .bidirectional(true)
                            .batch_first(true)));
  } else {
    gru = register_module(
        "rnn", nn::GRU(nn::GRUOptions(options.embed_dim, options.encoder_hidden)
                           .num_layers(options.encoder_layers)
                           .dropout(between_layers)
                           .bidirectional(true)
                           .batch_first(true)));
  }
}

torch::Tensor EncoderImpl::forward(const torch::Tensor& src, const torch::Tensor& lengths) {
  auto embedded = embedding(src);  // (B, T_src, E)
  if (dropout_ > 0.0 && is_training()) embedded = torch::dropout(embedded, dropout_, true);
  // enforce_sorted=false: batches come in any order; LibTorch sorts and unsorts for us.
  const auto packed = rnn::pack_padded_sequence(embedded, lengths, /*batch_first=*/true,
                                                /*enforce_sorted=*/false);
  const auto output = gru ? std::get<0>(gru->forward_with_packed_input(packed))
                          : std::get<0>(lstm->forward_with_packed_input(packed));
  // total_length: keep the batch's T_src even when no sentence fills it, so annotations
  // line up with src and its mask.
  auto annotations = std::get<0>(rnn::pad_packed_sequence(output, /*batch_first=*/true,
                                                          /*padding_value=*/0.0,
                                                          /*total_length=*/src.size(1)));
  return annotations;  // (B, T_src, 2H)
}

}  // namespace s2s
