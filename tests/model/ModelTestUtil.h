#pragma once
// Shared fixtures of the model specifications: tiny configurations and padded batches.
#include <torch/torch.h>

#include <algorithm>
#include <string>
#include <vector>

#include "model/ModelOptions.h"
#include "data/TokenIds.h"

namespace s2s::test {

// Single-threaded and seeded: results are reproducible and the shared machine stays usable.
inline void deterministic(uint64_t seed = 1234) {
  torch::set_num_threads(1);
  torch::manual_seed(seed);
}

// A model small enough for finite differences, with every dimension different so that a
// transposed or misrouted tensor fails loudly instead of broadcasting.
inline ModelOptions tiny_options(const std::string& cell = "gru", int encoder_layers = 1,
                                 int decoder_layers = 1, const std::string& readout = "maxout") {
  ModelOptions o;
  o.cell = parse_enum<CellKind>(cell).value();  // the words of model.cell
  o.embed_dim = 6;
  o.encoder_hidden = 5;
  o.encoder_layers = encoder_layers;
  o.decoder_hidden = 7;
  o.decoder_layers = decoder_layers;
  o.attention_dim = 4;
  o.readout = parse_enum<ReadoutKind>(readout).value();
  o.readout_dim = 3;
  o.dropout = 0.0;
  o.tie_embeddings = false;
  o.label_smoothing = 0.1;
  return o;
}

// A padded batch. Sentences are given without specials:
//   src     = x                     padded with kPadId         (B, T_src)
//   tgt_in  = <s> y                 padded with kPadId         (B, T_tgt)
//   tgt_out = y </s>                padded with kPadId         (B, T_tgt)
struct Batch {
  torch::Tensor src;          // (B, T_src) int64
  torch::Tensor src_lengths;  // (B) int64
  torch::Tensor tgt_in;       // (B, T_tgt) int64
  torch::Tensor tgt_out;      // (B, T_tgt) int64
};

// min_src_len / min_tgt_len pad the batch to at least that many columns.
inline Batch make_batch(const std::vector<std::vector<int64_t>>& sources,
                        const std::vector<std::vector<int64_t>>& targets,
                        int64_t min_src_len = 0, int64_t min_tgt_len = 0) {
  const int64_t B = static_cast<int64_t>(sources.size());
  int64_t T_src = min_src_len;
  int64_t T_tgt = min_tgt_len;
  for (const auto& s : sources) T_src = std::max<int64_t>(T_src, s.size());
  for (const auto& t : targets) T_tgt = std::max<int64_t>(T_tgt, t.size() + 1);
  Batch b;
  b.src = torch::full({B, T_src}, kPadId, torch::kLong);
  b.src_lengths = torch::zeros({B}, torch::kLong);
  b.tgt_in = torch::full({B, T_tgt}, kPadId, torch::kLong);
  b.tgt_out = torch::full({B, T_tgt}, kPadId, torch::kLong);
  for (int64_t i = 0; i < B; ++i) {
    const auto& x = sources[i];
    const auto& y = targets[i];
    for (size_t j = 0; j < x.size(); ++j) b.src[i][j] = x[j];
    b.src_lengths[i] = static_cast<int64_t>(x.size());
    b.tgt_in[i][0] = kBosId;
    for (size_t j = 0; j < y.size(); ++j) {
      b.tgt_in[i][j + 1] = y[j];
      b.tgt_out[i][j] = y[j];
    }
    b.tgt_out[i][y.size()] = kEosId;
  }
  return b;
}

}  // namespace s2s::test
