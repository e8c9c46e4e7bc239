#pragma once
// Shared fixtures of the search specifications: a tiny real Seq2Seq in eval mode whose
// </s> logit is raised so that outputs end before the length limit, and a batch of sources.
#include <torch/torch.h>

#include <vector>

#include "tests/model/ModelTestUtil.h"
#include "model/Seq2Seq.h"
#include "data/TokenIds.h"

namespace s2s::test {

constexpr int64_t kSearchVocab = 12;

inline Seq2Seq search_model(const std::string& cell, uint64_t seed, double eos_bias = 1.5) {
  deterministic(seed);
  Seq2Seq model(tiny_options(cell, 1, cell == "lstm" ? 2 : 1), kSearchVocab, kSearchVocab);
  {
    torch::NoGradGuard no_grad;
    model->named_parameters()["decoder.output.bias"][kEosId] += eos_bias;
  }
  model->eval();
  return model;
}

inline std::vector<std::vector<int64_t>> search_sources() {
  return {{4, 5, 6, 7}, {8, 9}, {10, 11, 4, 5, 6, 7, 8}, {6}, {7, 7, 9, 4, 11}};
}

// Row i of the padded batch made of `sources` (min_cols pads the batch further).
inline std::pair<torch::Tensor, torch::Tensor> source_batch(
    const std::vector<std::vector<int64_t>>& sources, int64_t min_cols = 0) {
  const Batch b = make_batch(sources, std::vector<std::vector<int64_t>>(sources.size()), min_cols);
  return {b.src, b.src_lengths};
}

}  // namespace s2s::test
