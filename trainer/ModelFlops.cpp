#include "trainer/ModelFlops.h"

namespace s2s {

ModelFlops::ModelFlops(const ModelOptions& model, int64_t tgt_vocab)
    : model_(model), vocab_(tgt_vocab) {}

std::vector<std::pair<std::string, double>> ModelFlops::components(const BatchShape& b) const {
  // Doubles throughout: the products overflow nothing and the result is a rate's numerator.
  const double E = model_.embed_dim, H = model_.encoder_hidden, A = model_.attention_dim;
  const double D = model_.decoder_hidden, L = model_.decoder_layers, V = vocab_;
  const double G = model_.cell == CellKind::lstm ? 4 : 3;
  const double R = model_.readout_dim;
  const double R2 = model_.readout == ReadoutKind::maxout ? 2 * R : R;
  const double B = b.rows, S = b.src_len, T = b.tgt_len, N = b.src_tokens;
  double enc_in = 0;
  for (int n = 0; n < model_.encoder_layers; ++n) enc_in += 2 * N * 2 * G * H * (n == 0 ? E : 2 * H);
  double cell_in = 0;
  for (int l = 0; l < model_.decoder_layers; ++l) cell_in += 2 * B * G * D * (l == 0 ? E + 2 * H : D);
  std::vector<std::pair<std::string, double>> forward = {
      {"encoder_gru_input", enc_in},
      {"encoder_gru_recurrent", model_.encoder_layers * 2 * N * 2 * G * H * H},
      {"init_state_Ws", 2 * B * H * L * D},
      {"attention_keys_Uh", 2 * B * S * 2 * H * A},
      {"attention_query_Ws", T * 2 * B * D * A},
      {"attention_energy_v", T * 2 * B * S * A},
      {"attention_context", T * 2 * B * S * 2 * H},
      {"decoder_cell_input", T * cell_in},
      {"decoder_cell_recurrent", T * L * 2 * B * G * D * D},
      {"readout", 2 * B * T * (D + E + 2 * H) * R2},
      {"output", 2 * B * T * R * V},
  };
  for (auto& [name, flops] : forward) flops *= 3;  // backward = two matmuls per forward one
  return forward;
}

double ModelFlops::training_step(const BatchShape& batch) const {
  double total = 0;
  for (const auto& [name, flops] : components(batch)) total += flops;
  return total;
}

}  // namespace s2s
