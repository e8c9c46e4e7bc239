#include "model/Decoder.h"

#include <cmath>

#include "data/TokenIds.h"
#include "model/fused/DeferredLinear.h"
#include "model/fused/GruCellUpdate.h"

namespace s2s {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

DecoderImpl::DecoderImpl(const ModelOptions& options, int64_t vocab_size)
    : lstm_(options.cell == CellKind::lstm),
      tied_(options.tie_embeddings),
      layers_(options.decoder_layers),
      hidden_size_(options.decoder_hidden),
      encoder_hidden_(options.encoder_hidden),
      dropout_(options.dropout),
      context_dropout_(options.context_dropout),
      readout_input_dropout_(options.readout_input_dropout),
      variational_(options.variational_dropout) {
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
  }
  return {context, weights};
}

torch::Tensor DecoderImpl::project(const torch::Tensor& state, const torch::Tensor& embedded,
                                   const torch::Tensor& context, const DropoutMasks* masks) {
  if (!masks) return F::linear(readout(state, embedded, context), output_weight(), output_bias());  // (..., V)
  const double p = readout_input_dropout_;
  const auto features = readout(masks->apply(state, DropoutSite::readout_input, 0, p),
                                masks->apply(embedded, DropoutSite::readout_input, 1, p),
                                masks->apply(context, DropoutSite::readout_input, 2, p));  // (B, T_tgt, R)
  return F::linear(masks->apply(features, DropoutSite::readout_output, 0, dropout_), output_weight(),
                   output_bias());  // (B, T_tgt, V)
}

DecoderImpl::CellWeights DecoderImpl::cell_weights(int64_t l) const {
  if (lstm_) {
    const auto& c = lstm_cells_[l];
    return {c->weight_ih, c->weight_hh, c->bias_ih, c->bias_hh};
  }
  const auto& c = gru_cells_[l];
  return {c->weight_ih, c->weight_hh, c->bias_ih, c->bias_hh};
}

void DecoderImpl::update_cell(const torch::Tensor& input_gates, const torch::Tensor& recurrent_gates,
                              torch::Tensor& hidden, torch::Tensor& cell) const {
  // LibTorch's GRUCell and LSTMCell formulas (ATen RNN.cpp), gate order as in their weights.
  if (lstm_) {
    const auto gates = (recurrent_gates + input_gates).chunk(4, 1);  // i, f, g, o: (B, D) each
    cell = torch::sigmoid(gates[1]) * cell + torch::sigmoid(gates[0]) * torch::tanh(gates[2]);
    hidden = torch::sigmoid(gates[3]) * torch::tanh(cell);
    return;
  }
  hidden = gru_cell_update(input_gates, recurrent_gates, hidden);  // (B, D): one pass on the CPU
}

Seq2SeqOutput DecoderImpl::forward(const EncoderOutput& encoded, const torch::Tensor& prev_tokens,
                                   const DropoutMasks* masks) {
  const int64_t T = prev_tokens.size(1);
  auto embedded = embedding(prev_tokens);  // (B, T_tgt, E), embedded once for all steps
  if (masks) embedded = masks->apply(embedded, DropoutSite::target_embedding, 0, dropout_, variational_);
  const DecoderState start = initial_state(encoded);
  std::vector<torch::Tensor> hidden = start.hidden.unbind(0);  // L x (B, D)
  std::vector<torch::Tensor> cell(layers_);                     // L x (B, D), LSTM only
  if (lstm_) cell = start.cell.unbind(0);
  std::vector<CellWeights> w;
  for (int64_t l = 0; l < layers_; ++l) w.push_back(cell_weights(l));
  // Layer 0 reads [E y_{t-1} ; c_t]: the embedding half of its input projection does not
  // depend on the recurrence, so it runs for all steps in one matmul.
  const int64_t E = embedded.size(2);
  // (Split, not narrowed twice: one cat backward instead of two zero-filled weight gradients.)
  const auto input_weight = w[0].w_ih.split_with_sizes({E, w[0].w_ih.size(1) - E}, 1);  // (G*D, E), (G*D, K)
  const auto embedded_gates = F::linear(embedded, input_weight[0], w[0].b_ih).unbind(1);  // T x (B, G*D)
  const auto& context_weight = input_weight[1];  // (G*D, K)
  // s_{t-1}^top feeds the attention query W s_{t-1} and the top cell's recurrent projection:
  // one matmul for both (W has no bias, hence the zeros).
  const int64_t A = attention->W->weight.size(0);
  const int64_t GD = w.back().w_hh.size(0);
  const auto top_weight = torch::cat({attention->W->weight, w.back().w_hh});  // (A + G*D, D)
  const auto top_bias = torch::cat({torch::zeros({A}, w.back().b_hh.options()), w.back().b_hh});
  // The per-step products, each weight's gradient one matmul over all steps (DeferredLinear.h).
  const DeferredLinear top_projection(top_weight, top_bias);          // (B, D) -> (B, A + G*D)
  const DeferredLinear context_projection(context_weight, torch::Tensor());  // (B, K) -> (B, G*D)
  std::vector<DeferredLinear> lower_input, lower_recurrent;  // layers 1.. and 0..L-2
  for (int64_t l = 0; l < layers_; ++l) {
    if (l > 0) lower_input.emplace_back(w[l].w_ih, w[l].b_ih);
    if (l + 1 < layers_) lower_recurrent.emplace_back(w[l].w_hh, w[l].b_hh);
  }
  // Attention over the same annotations at every step: energies fused on the CPU, the
  // annotations' gradient one product over all steps (AttentionEnergies.h, AttentionContexts.h).
  const AttentionEnergies energies = attention->energies(encoded.keys, encoded.mask.logical_not());
  const AttentionContexts context_of(encoded.annotations);
  // Masks for all steps at once: position t of the (B, T_tgt, .) mask drops step t (a
  // variational mask has one position, used at every step). Undefined: no dropout there.
  const auto step_masks = [&](DropoutSite site, int64_t layer, int64_t units, double p) {
    if (!masks || p <= 0.0) return torch::Tensor();
    return masks->mask(site, layer, T, units, p, variational_, false, embedded.options());
  };  // (B, T_tgt or 1, units)
  const auto at = [](const torch::Tensor& mask, int64_t t) { return mask.select(1, mask.size(1) == 1 ? 0 : t); };
  const torch::Tensor context_mask = step_masks(DropoutSite::context, 0, context_weight.size(1), context_dropout_);
  std::vector<torch::Tensor> layer_masks;  // masks[l] drops the input of cell l + 1
  for (int64_t l = 0; l + 1 < layers_; ++l) {
    layer_masks.push_back(step_masks(DropoutSite::decoder_layer, l, hidden_size_, dropout_));
  }

  std::vector<torch::Tensor> states, contexts, weights;  // T_tgt x (B, D), (B, K), (B, T_src)
  for (int64_t t = 0; t < T; ++t) {
    // One split, not two narrows: its backward is one cat of the two gradients, where each
    // narrow's would be a zero (B, A + G*D) tensor with its part copied in, and their sum.
    const auto top = top_projection(hidden.back()).split_with_sizes({A, GD}, 1);  // (B, A), (B, G*D)
    auto [context, alpha] = attention->attend(energies, context_of, top[0]);  // (B, K), (B, T_src)
    if (context_mask.defined()) context = context * at(context_mask, t);  // (B, K)
    auto input_gates = embedded_gates[t] + context_projection(context);  // (B, G*D)
    for (int64_t l = 0; l < layers_; ++l) {
      if (l > 0) {
        auto below = hidden[l - 1];  // s_t of the layer below, dropped between layers only
        if (layer_masks[l - 1].defined()) below = below * at(layer_masks[l - 1], t);
        input_gates = lower_input[l - 1](below);  // (B, G*D)
      }
      const auto recurrent = l + 1 == layers_ ? top[1] : lower_recurrent[l](hidden[l]);  // (B, G*D)
      update_cell(input_gates, recurrent, hidden[l], cell[l]);
    }
    states.push_back(hidden.back());
    contexts.push_back(context);
    weights.push_back(alpha);
  }
  // Only the recurrence is sequential: readout and the large vocabulary projection run once
  // over all B * T_tgt positions.
  Seq2SeqOutput out;
  out.logits = project(torch::stack(states, 1), embedded, torch::stack(contexts, 1), masks);  // (B, T_tgt, V)
  out.attention = torch::stack(weights, 1);  // (B, T_tgt, T_src)
  return out;
}

StepOutput DecoderImpl::step(const EncoderOutput& encoded, const DecoderState& state,
                             const torch::Tensor& prev_tokens) {
  const auto embedded = embedding(prev_tokens);            // (B, E)
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
