#include "model/Decoder.h"

#include <cmath>

#include "data/TokenIds.h"

namespace s2s {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

DecoderImpl::DecoderImpl(const ModelOptions& options, int64_t vocab_size)
    : lstm_(options.cell == CellKind::lstm),
      tied_(options.tie_embeddings),
      layers_(options.decoder_layers),
      hidden_size_(options.decoder_hidden),
      encoder_hidden_(options.encoder_hidden),
      dropout_(options.dropout) {
  const int64_t E = options.embed_dim;
  const int64_t K = 2 * int64_t{options.encoder_hidden};
  const int64_t D = options.decoder_hidden;

  embedding = register_module(
      "embedding", nn::Embedding(nn::EmbeddingOptions(vocab_size, E).padding_idx(kPadId)));
  // N(0, 1/E): unit-norm inputs, and unit-scale logits when the matrix doubles as the
  // output projection.
  {
    torch::NoGradGuard no_grad;
    embedding->weight.normal_(0.0, 1.0 / std::sqrt(static_cast<double>(E)));
    embedding->weight[kPadId].zero_();
  }
  init_state = register_module("init_state",
                               nn::Linear(options.encoder_hidden, options.decoder_layers * D));
  attention = register_module("attention", BahdanauAttention(D, K, options.attention_dim));
  cells = register_module("cells", nn::ModuleList());
  for (int64_t l = 0; l < layers_; ++l) {
    const int64_t input = l == 0 ? E + K : D;
    if (lstm_) {
      lstm_cells_.emplace_back(input, D);
      cells->push_back(lstm_cells_.back());
    } else {
      gru_cells_.emplace_back(input, D);
      cells->push_back(gru_cells_.back());
    }
  }
  readout = register_module("readout", Readout(options.readout, D, E, K, options.readout_dim));
  if (tied_) {
    // The projection reads embedding->weight directly (same storage, one parameter), so the
    // optimiser sees the shared matrix exactly once; only the bias is the projection's own.
    tied_output_bias = register_parameter("output_bias", torch::zeros({vocab_size}));
  } else {
    output = register_module("output", nn::Linear(options.readout_dim, vocab_size));
  }
}

torch::Tensor DecoderImpl::output_weight() const {
  return tied_ ? embedding->weight : output->weight;  // (V, R)
}

torch::Tensor DecoderImpl::output_bias() const {
  return tied_ ? tied_output_bias : output->bias;  // (V)
}

torch::Tensor DecoderImpl::embed(const torch::Tensor& tokens) {
  auto embedded = embedding(tokens);  // (..., E)
  if (dropout_ > 0.0 && is_training()) embedded = torch::dropout(embedded, dropout_, true);
  return embedded;
}

DecoderState DecoderImpl::initial_state(const EncoderOutput& encoded) {
  const int64_t B = encoded.batch_size();
  // h_1^backward: the backward half of the first annotation, i.e. the backward RNN's state
  // after reading the whole (real part of the) sentence.
  const auto first_backward =
      encoded.annotations.select(1, 0).narrow(1, encoder_hidden_, encoder_hidden_);  // (B, H)
  DecoderState state;
  state.hidden = torch::tanh(init_state(first_backward))   // (B, L * D)
                     .view({B, layers_, hidden_size_})
                     .transpose(0, 1)
                     .contiguous();                         // (L, B, D)
  if (lstm_) state.cell = torch::zeros_like(state.hidden);  // (L, B, D)
  return state;
}

std::pair<torch::Tensor, torch::Tensor> DecoderImpl::advance(const EncoderOutput& encoded,
                                                             const torch::Tensor& embedded,
                                                             std::vector<torch::Tensor>& hidden,
                                                             std::vector<torch::Tensor>& cell) {
  // The query is s_{t-1} of the top layer, before this step updates it (paper eq. 6).
  auto [context, weights] =
      attention(hidden.back(), encoded.keys, encoded.annotations, encoded.mask);  // (B, K), (B, T_src)
  auto input = torch::cat({embedded, context}, 1);  // (B, E + K)
  for (int64_t l = 0; l < layers_; ++l) {
    if (lstm_) {
      auto [h, c] = lstm_cells_[l](input, std::make_tuple(hidden[l], cell[l]));
      hidden[l] = h;  // (B, D)
      cell[l] = c;    // (B, D)
    } else {
      hidden[l] = gru_cells_[l](input, hidden[l]);  // (B, D)
    }
    input = hidden[l];
    // Dropout between stacked layers only: the state itself is carried undropped.
    if (l + 1 < layers_ && dropout_ > 0.0 && is_training()) {
      input = torch::dropout(input, dropout_, true);
    }
  }
  return {context, weights};
}

torch::Tensor DecoderImpl::project(const torch::Tensor& state, const torch::Tensor& embedded,
                                   const torch::Tensor& context) {
  auto features = readout(state, embedded, context);  // (..., R)
  if (dropout_ > 0.0 && is_training()) features = torch::dropout(features, dropout_, true);
  return F::linear(features, output_weight(), output_bias());  // (..., V)
}

Seq2SeqOutput DecoderImpl::forward(const EncoderOutput& encoded,
                                   const torch::Tensor& prev_tokens) {
  const int64_t T = prev_tokens.size(1);
  const auto embedded = embed(prev_tokens);  // (B, T_tgt, E), embedded once for all steps
  const DecoderState start = initial_state(encoded);
  std::vector<torch::Tensor> hidden = start.hidden.unbind(0);  // L x (B, D)
  std::vector<torch::Tensor> cell;                              // L x (B, D), LSTM only
  if (lstm_) cell = start.cell.unbind(0);

  std::vector<torch::Tensor> states, contexts, weights;  // T_tgt x (B, D), (B, K), (B, T_src)
  states.reserve(T);
  contexts.reserve(T);
  weights.reserve(T);
  for (int64_t t = 0; t < T; ++t) {
    auto [context, alpha] = advance(encoded, embedded.select(1, t), hidden, cell);
    states.push_back(hidden.back());
    contexts.push_back(context);
    weights.push_back(alpha);
  }
  // Only the recurrence is sequential: readout and the large vocabulary projection run once
  // over all B * T_tgt positions.
  Seq2SeqOutput out;
  out.logits = project(torch::stack(states, 1), embedded, torch::stack(contexts, 1));  // (B, T_tgt, V)
  out.attention = torch::stack(weights, 1);  // (B, T_tgt, T_src)
  return out;
}

StepOutput DecoderImpl::step(const EncoderOutput& encoded, const DecoderState& state,
                             const torch::Tensor& prev_tokens) {
  const auto embedded = embed(prev_tokens);                // (B, E)
  std::vector<torch::Tensor> hidden = state.hidden.unbind(0);  // L x (B, D)
  std::vector<torch::Tensor> cell;
  if (lstm_) cell = state.cell.unbind(0);
  auto [context, alpha] = advance(encoded, embedded, hidden, cell);

  StepOutput out;
  out.log_probs = torch::log_softmax(project(hidden.back(), embedded, context), -1);  // (B, V)
  out.state.hidden = torch::stack(hidden, 0);               // (L, B, D)
  if (lstm_) out.state.cell = torch::stack(cell, 0);        // (L, B, D)
  out.attention = alpha;                                    // (B, T_src)
  return out;
}

}  // namespace s2s
