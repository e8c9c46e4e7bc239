#pragma once
// Beam search over a batch of sources: each sentence keeps beam_size hypotheses as extra
// rows of the decoder batch (EncoderOutput/DecoderState::index_select expands and reorders
// them after every step).
//
// The algorithm (fairseq's): at each step the 2k best continuations of a sentence's k
// hypotheses are ranked by summed log-probability. A continuation with </s> that ranks
// among the first k becomes a finished hypothesis; the best k continuations without </s>
// form the next beam. A sentence is done once it has k finished hypotheses, or when it
// reaches its maximum length (every live hypothesis is then ended with a forced </s>).
// Finished hypotheses are ranked by length-normalised score (SearchOptions); the n_best
// best are returned. With beam_size 1 this is exactly greedy search (GreedySearch).
//
//   model->eval();
//   Seq2SeqStepModel step_model(model);
//   std::vector<NBest> out = BeamSearch(step_model, options).search(src, src_lengths);
//   out[i][0].tokens   // best output of source row i
#include <vector>

#include "model/search/Hypothesis.h"
#include "model/search/SearchOptions.h"
#include "model/search/StepModel.h"

namespace s2s {

class BeamSearch {
 public:
  // Validates `options`. `model` must outlive this object.
  BeamSearch(StepModel& model, SearchOptions options);

  // src: (B, T_src) int64 padded with kPadId; src_lengths: (B) int64 in [1, T_src], any
  // device. Returns one n-best list (at most n_best entries, best first) per source row,
  // in input order. Runs without autograd.
  std::vector<NBest> search(const torch::Tensor& src, const torch::Tensor& src_lengths);

 private:
  StepModel& model_;
  SearchOptions options_;
};

}  // namespace s2s
