#include "model/Encoder.h"

#include <cmath>

#include <ATen/autocast_mode.h>

#include "data/TokenIds.h"
#include "model/fused/DeferredLinear.h"
#include "model/fused/GruCellUpdate.h"

namespace s2s {

namespace nn = torch::nn;
namespace rnn = torch::nn::utils::rnn;

namespace {

// One direction of one GRU layer over the padded rectangle, written out (the same function
// as torch::gru): the input projection for all steps in one product, the recurrent one per
// step with its weight gradient once over all steps (DeferredLinear.h), the cell in one pass
// forward and one backward (GruCellUpdate.h) instead of ATen's dozen ops and autograd nodes
// per step. params: weight_ih (3H, In), weight_hh (3H, H), bias_ih, bias_hh (3H).
// The backward direction (real_by_step given: (T, B) bool, position t of row b is a real
// token) runs from t = T - 1 down to 0 with each row's state held at zero until its own last
// token: no reversal of the rows within their lengths, forward or back.
torch::Tensor gru_direction(const torch::Tensor& x, const std::vector<torch::Tensor>& params, int64_t H,
                            const torch::Tensor& real_by_step = {}) {
  const int64_t B = x.size(0), T = x.size(1);
  const bool backward = real_by_step.defined();
  const auto input_gates = torch::nn::functional::linear(x, params[0], params[2]).unbind(1);  // T x (B, 3H)
  const DeferredLinear recurrent(params[1], params[3]);  // (B, H) -> (B, 3H)
  auto state = torch::zeros({B, H}, x.options());         // (B, H)
  std::vector<torch::Tensor> states(T);                   // T x (B, H), by position
  for (int64_t k = 0; k < T; ++k) {
    const int64_t t = backward ? T - 1 - k : k;
    state = gru_cell_update(input_gates[t], recurrent(state), state,
                            backward ? real_by_step[t] : torch::Tensor());
    states[t] = state;
  }
  return torch::stack(states, 1);  // (B, T, H)
}

}  // namespace

EncoderImpl::EncoderImpl(const ModelOptions& options, int64_t vocab_size)
    : hidden_size_(options.encoder_hidden),
      layers_(options.encoder_layers),
      dropout_(options.dropout),
      source_word_dropout_(options.source_word_dropout),
      variational_(options.variational_dropout) {
  embedding = register_module(
      "embedding",
      nn::Embedding(nn::EmbeddingOptions(vocab_size, options.embed_dim).padding_idx(kPadId)));
  // N(0, 1/E) rather than N(0, 1): inputs of roughly unit norm, as fairseq does.
  {
    torch::NoGradGuard no_grad;
    embedding->weight.normal_(0.0, 1.0 / std::sqrt(static_cast<double>(options.embed_dim)));
    embedding->weight[kPadId].zero_();
  }
  if (options.cell == CellKind::lstm) {
    lstm = register_module(
        "rnn", nn::LSTM(nn::LSTMOptions(options.embed_dim, options.encoder_hidden)
                            .num_layers(options.encoder_layers)
                            .bidirectional(true)
                            .batch_first(true)));
  } else {
    gru = register_module(
        "rnn", nn::GRU(nn::GRUOptions(options.embed_dim, options.encoder_hidden)
                           .num_layers(options.encoder_layers)
                           .bidirectional(true)
                           .batch_first(true)));
  }
}

torch::Tensor EncoderImpl::forward(const torch::Tensor& src, const torch::Tensor& lengths,
                                   const DropoutMasks* masks) {
  auto embedded = embedding(src);  // (B, T_src, E)
  const bool drops_between_layers = masks && dropout_ > 0.0 && layers_ > 1;
  if (masks) {
    if (source_word_dropout_ > 0.0) {
      // One draw per token, for all its units: the word is gone, not a few of its features.
      embedded = embedded * masks->mask(DropoutSite::source_word, 0, embedded.size(1), embedded.size(2),
                                        source_word_dropout_, /*same_for_all_positions=*/false,
                                        /*same_for_all_units=*/true, embedded.options());  // (B, T_src, 1)
    }
    embedded = masks->apply(embedded, DropoutSite::source_embedding, 0, dropout_, variational_);
  }
  // cuDNN runs packed sequences natively; on the CPU LibTorch's packed RNN is slow to train
  // (its backward fills a zero gradient of the whole input projection once per time step),
  // so there each direction runs over the padded rectangle instead (same function). The
  // packed stack runs all layers in one call, so dropout between layers needs the padded one.
  return embedded.is_cpu() || drops_between_layers ? padded(embedded, lengths, masks)
                                                    : packed(embedded, lengths);
}

torch::Tensor EncoderImpl::packed(const torch::Tensor& embedded, const torch::Tensor& lengths) {
  // Batches from data/ come longest first: then packing needs no sort and no unsort.
  const bool sorted = lengths.size(0) < 2 || (lengths.slice(0, 1) <= lengths.slice(0, 0, -1)).all().item<bool>();
  const auto packed = rnn::pack_padded_sequence(embedded, lengths, /*batch_first=*/true,
                                                /*enforce_sorted=*/sorted);
  const auto output = gru ? std::get<0>(gru->forward_with_packed_input(packed))
                          : std::get<0>(lstm->forward_with_packed_input(packed));
  // total_length: keep the batch's T_src even when no sentence fills it, so annotations
  // line up with src and its mask.
  auto annotations = std::get<0>(rnn::pad_packed_sequence(output, /*batch_first=*/true,
                                                          /*padding_value=*/0.0,
                                                          /*total_length=*/embedded.size(1)));
  return annotations;  // (B, T_src, 2H)
}

torch::Tensor EncoderImpl::padded(const torch::Tensor& embedded, const torch::Tensor& lengths_cpu,
                                  const DropoutMasks* masks) {
  const int64_t B = embedded.size(0), T = embedded.size(1);
  const auto lengths = lengths_cpu.to(embedded.device(), /*non_blocking=*/true);          // (B)
  const auto positions = torch::arange(T, lengths.options()).unsqueeze(0).expand({B, T});  // (B, T)
  const auto length = lengths.unsqueeze(1);                                               // (B, 1)
  const auto real = positions < length;                                                   // (B, T)
  const auto weights = gru ? gru->named_parameters(false) : lstm->named_parameters(false);
  const auto params = [&](const std::string& suffix) {
    return std::vector<torch::Tensor>{weights["weight_ih" + suffix], weights["weight_hh" + suffix],
                                      weights["bias_ih" + suffix], weights["bias_hh" + suffix]};
  };
  // The GRU written out on the CPU (its fused cell runs there): the backward direction runs
  // right to left, each row starting at its own last token (gru_direction). LibTorch's RNN
  // otherwise and under autocast, whose casts the written-out one does not replicate: there
  // the backward direction runs forward over each row reversed within its length (padding
  // stays in place; the permutation is its own inverse). Real positions never read padding.
  const bool written_out = gru && embedded.is_cpu() && !at::autocast::is_autocast_enabled(torch::kCPU);
  const auto real_by_step = written_out ? real.t().contiguous() : torch::Tensor();  // (T, B)
  const auto reversed = written_out ? torch::Tensor() : torch::where(real, length - 1 - positions, positions);  // (B, T)
  const auto flip = [&](const torch::Tensor& x) {
    return x.gather(1, reversed.unsqueeze(2).expand({B, T, x.size(2)}));
  };
  const auto library_direction = [&](const torch::Tensor& x, const std::string& suffix) {
    const auto h0 = torch::zeros({1, B, hidden_size_}, x.options());  // (1, B, H)
    return gru ? std::get<0>(torch::gru(x, h0, params(suffix), true, 1, 0.0, is_training(), false, true))
               : std::get<0>(torch::lstm(x, {h0, h0}, params(suffix), true, 1, 0.0, is_training(), false, true));
  };  // (B, T, H)
  const auto both_directions = [&](const torch::Tensor& x, const std::string& layer) {
    if (written_out)
      return torch::cat({gru_direction(x, params(layer), hidden_size_),
                         gru_direction(x, params(layer + "_reverse"), hidden_size_, real_by_step)}, 2);
    return torch::cat({library_direction(x, layer), flip(library_direction(flip(x), layer + "_reverse"))}, 2);
  };  // (B, T, 2H)
  auto x = embedded;
  for (int64_t n = 0; n < layers_; ++n) {
    x = both_directions(x, "_l" + std::to_string(n));  // (B, T, 2H)
    // Between stacked layers only, as LibTorch's RNN dropout.
    if (n + 1 < layers_ && masks) x = masks->apply(x, DropoutSite::encoder_layer, n, dropout_, variational_);
  }
  return x.masked_fill(real.logical_not().unsqueeze(2), 0.0);  // (B, T_src, 2H), zero on padding
}

}  // namespace s2s
