#pragma once
// Greedy decoding: at every step the single most probable token, until </s> or the
// maximum length (where </s> is forced). A batch of sources is decoded at once; sentences
// that have ended are dropped from the batch (index_select), so the remaining steps only
// compute rows still decoding.
//
//   model->eval();
//   Seq2SeqStepModel step_model(model);
//   GreedySearch greedy(step_model, options);          // uses max_length_*, length_penalty,
//   std::vector<Hypothesis> out = greedy.search(src, src_lengths);   // keep_attention
#include <vector>

#include "model/search/Hypothesis.h"
#include "model/search/SearchOptions.h"
#include "model/search/StepModel.h"

namespace s2s {

class GreedySearch {
 public:
  // Validates `options` (beam_size and n_best are ignored). `model` must outlive this object.
  GreedySearch(StepModel& model, SearchOptions options);

  // src: (B, T_src) int64 padded with kPadId; src_lengths: (B) int64 in [1, T_src], any
  // device. Returns one hypothesis per source row, in input order. Runs without autograd.
  std::vector<Hypothesis> search(const torch::Tensor& src, const torch::Tensor& src_lengths);

 private:
  StepModel& model_;
  SearchOptions options_;
};

}  // namespace s2s
