#pragma once
// A StepModel whose next-token distribution is a fixed table indexed by the previous token
// (a bigram model): the best output, every hypothesis's score and the greedy choice can be
// worked out by hand. The decoder state counts steps; the attention at step t is one-hot
// on source position t mod (source length), so kept attention can be checked exactly.
#include <torch/torch.h>

#include <cmath>
#include <map>
#include <vector>

#include "data/TokenIds.h"
#include "model/search/StepModel.h"

namespace s2s::test {

class TableStepModel : public StepModel {
 public:
  // log_probs: (V, V) float, row p = log p(next | previous token p).
  explicit TableStepModel(torch::Tensor log_probs) : table_(std::move(log_probs)) {}

  EncoderOutput encode(const torch::Tensor& src, const torch::Tensor& src_lengths) override {
    const int64_t B = src.size(0), T = src.size(1);
    EncoderOutput e;
    e.annotations = torch::zeros({B, T, 1});
    e.keys = torch::zeros({B, T, 1});
    e.lengths = src_lengths.clone();
    e.mask = torch::arange(T).unsqueeze(0) < e.lengths.unsqueeze(1);
    return e;
  }
  DecoderState initial_state(const EncoderOutput& enc) override {
    return DecoderState{torch::zeros({1, enc.batch_size(), 1}), torch::Tensor()};
  }
  StepOutput step(const EncoderOutput& enc, const DecoderState& state,
                  const torch::Tensor& prev) override {
    ++calls;
    StepOutput out;
    out.log_probs = table_.index_select(0, prev);
    out.state = DecoderState{state.hidden + 1, torch::Tensor()};
    const auto t = state.hidden.select(0, 0).select(1, 0).to(torch::kLong);  // (B)
    out.attention = torch::one_hot(t % enc.lengths, enc.source_length()).to(torch::kFloat);
    return out;
  }

  int calls = 0;

 private:
  torch::Tensor table_;
};

// Builds a (V, V) log-probability table: rows[p] maps next tokens to probabilities; the
// rest of each row's mass (at least 1e-6 in all) is spread evenly over the other tokens.
inline torch::Tensor bigram_table(int64_t V, const std::map<int64_t, std::map<int64_t, double>>& rows) {
  auto t = torch::empty({V, V}, torch::kDouble);
  for (int64_t p = 0; p < V; ++p) {
    std::map<int64_t, double> row;
    if (auto it = rows.find(p); it != rows.end()) row = it->second;
    double mass = 0;
    for (const auto& [tok, q] : row) mass += q;
    const double rest = std::max(1.0 - mass, 1e-6) / static_cast<double>(V - row.size());
    for (int64_t v = 0; v < V; ++v) t[p][v] = row.count(v) ? row.at(v) : rest;
    t[p] /= t[p].sum();
  }
  return t.log().to(torch::kFloat);
}

}  // namespace s2s::test
