#pragma once
// The attention decoder (paper A.2.2), one stack of GRU/LSTM cells driven step by step:
//
//   s_0     = tanh(W_s h_1^backward)                          (all layers, one projection)
//   c_t     = attention(s_{t-1}^top, h)                        (BahdanauAttention)
//   s_t     = cells([E y_{t-1}; c_t], s_{t-1})                 (decoder_layers stacked cells)
//   logits  = output(dropout(readout(s_t^top, E y_{t-1}, c_t)))
//
// Dropout is training's alone and comes as DropoutMasks (forward() only; step() never drops).
//
// forward() runs the recurrence over a whole teacher-forced target and applies readout and
// output to all steps at once; step() runs one step for search. They compute the same
// function (tests/model/StepConsistencyTest.cpp): step() through the GRUCell/LSTMCell
// modules (advance()), forward() with the cell's matmuls regrouped for speed (the embedding
// half of layer 0's input projection for all steps at once; W s_{t-1} together with the top
// cell's recurrent projection; the attention's energies and contexts built once per pass,
// AttentionEnergies.h and AttentionContexts.h) and the same gate formulas (update_cell()).
// B = batch rows, T_tgt = padded target length, T_src = padded source length,
// E = embed_dim, H = encoder_hidden, K = 2H, L = decoder_layers, D = decoder_hidden,
// R = readout_dim, V = target vocabulary size.
#include <torch/torch.h>

#include <utility>
#include <vector>

#include "model/BahdanauAttention.h"
#include "model/DecoderState.h"
#include "model/DropoutMasks.h"
#include "model/EncoderOutput.h"
#include "model/ModelOptions.h"
#include "model/Readout.h"
#include "model/Seq2SeqOutput.h"
#include "model/StepOutput.h"

namespace s2s {

class DecoderImpl : public torch::nn::Module {
 public:
  DecoderImpl(const ModelOptions& options, int64_t vocab_size);

  // s_0 from the backward annotation of the first source token (top encoder layer);
  // LSTM cells start at zero. Returns a B-row state.
  DecoderState initial_state(const EncoderOutput& encoded);

  // Teacher forcing. prev_tokens: (B, T_tgt) int64, y_{t-1} = [<s>, y_1, ..., y_{n-1}]
  // padded with kPadId. masks: training dropout, or nullptr for none.
  // Returns logits (B, T_tgt, V) and attention (B, T_tgt, T_src).
  Seq2SeqOutput forward(const EncoderOutput& encoded, const torch::Tensor& prev_tokens,
                        const DropoutMasks* masks = nullptr);

  // One step. prev_tokens: (B) int64 y_{t-1}. Returns log-probs (B, V), s_t, alpha_t.
  StepOutput step(const EncoderOutput& encoded, const DecoderState& state,
                  const torch::Tensor& prev_tokens);

  // The (V, R) matrix of the output projection: the target embedding when tied.
  torch::Tensor output_weight() const;
  // The (V) bias of the output projection.
  torch::Tensor output_bias() const;

  torch::nn::Embedding embedding{nullptr};    // (V, E), row kPadId stays zero
  torch::nn::Linear init_state{nullptr};      // W_s: (L * D, H) + bias
  BahdanauAttention attention{nullptr};       // W (A, D), U (A, K), v (1, A)
  torch::nn::ModuleList cells{nullptr};       // L GRUCell/LSTMCell; layer 0 reads E + K, others D
  Readout readout{nullptr};                   // (..., D), (..., E), (..., K) -> (..., R)
  torch::nn::Linear output{nullptr};          // (V, R) + bias (V); absent when tied
  torch::Tensor tied_output_bias;             // (V) "output_bias", only when tied

 private:
  // The parameters of cell l (G = 3 for GRU, 4 for LSTM; In = E + K for layer 0, else D).
  struct CellWeights {
    torch::Tensor w_ih;  // (G*D, In)
    torch::Tensor w_hh;  // (G*D, D)
    torch::Tensor b_ih;  // (G*D)
    torch::Tensor b_hh;  // (G*D)
  };
  CellWeights cell_weights(int64_t l) const;
  // One cell update from its input and recurrent projections (B, G*D) each, biases
  // included: what GRUCell/LSTMCell compute after their two matmuls. Updates hidden (B, D)
  // and, for LSTM, cell (B, D).
  void update_cell(const torch::Tensor& input_gates, const torch::Tensor& recurrent_gates,
                   torch::Tensor& hidden, torch::Tensor& cell) const;
  // One recurrent step (the step-wise path of search), updating `hidden` / `cell` (L entries of (B, D)) in place.
  // embedded: (B, E) E y_{t-1}. Returns {context c_t (B, K), weights alpha_t (B, T_src)}.
  std::pair<torch::Tensor, torch::Tensor> advance(const EncoderOutput& encoded,
                                                  const torch::Tensor& embedded,
                                                  std::vector<torch::Tensor>& hidden,
                                                  std::vector<torch::Tensor>& cell);
  // Readout and projection on any leading shape (...): (..., D), (..., E), (..., K) ->
  // logits (..., V). With masks (forward() only: leading shape (B, T_tgt)), the readout's
  // inputs and output are dropped.
  torch::Tensor project(const torch::Tensor& state, const torch::Tensor& embedded,
                        const torch::Tensor& context, const DropoutMasks* masks = nullptr);

  bool lstm_;
  bool tied_;
  int64_t layers_;
  int64_t hidden_size_;          // D
  int64_t encoder_hidden_;       // H
  double dropout_;                // embeddings, between cells, readout output
  double context_dropout_;        // c_t
  double readout_input_dropout_;  // the readout's three inputs
  bool variational_;              // one mask per sentence for the recurrent inputs
  std::vector<torch::nn::GRUCell> gru_cells_;    // the same modules as `cells`, typed
  std::vector<torch::nn::LSTMCell> lstm_cells_;  // the same modules as `cells`, typed
};
TORCH_MODULE(Decoder);

}  // namespace s2s
