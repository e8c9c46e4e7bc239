#pragma once
// Several Seq2Seq models decoded as one (an ensemble): a StepModel, so GreedySearch and
// BeamSearch run on it unchanged. Every member encodes the batch and takes every step
// itself; the ensemble combines their outputs.
//
//   EnsembleStepModel ensemble({model_a, model_b});   // each in eval mode
//   auto out = BeamSearch(ensemble, options).search(src, src_lengths);
//
// Log-probabilities: the mean of the members' log-probabilities at every step,
//   log p(y_t | y_<t, x) = 1/M sum_m log p_m(y_t | y_<t, x),
// not renormalised. Chosen over the mean of the probabilities (fairseq's
// log(1/M sum_m p_m)) because summed over a hypothesis it is exactly the mean of the
// members' sentence log-probabilities: scores, n-best lists and length penalties stay on
// the scale of a single model, an ensemble of identical models scores exactly as one
// model, and a continuation needs every member's support (a geometric mean vetoes what
// one member finds implausible). OpenNMT-py's default and Marian's log-linear ensemble
// with equal weights (up to the factor M) combine the same way. The per-step
// "distribution" sums to at most 1 (equality when the members agree).
//
// Attention: the mean of the members' attention weights (as fairseq), still a distribution
// over the source with exact zeros on padding.
//
// Members may differ in shape (layers, hidden and attention sizes, GRU or LSTM) but not in
// vocabulary sizes (checking that the vocabularies are the same ones is the caller's).
// Between steps the search carries one EncoderOutput and one DecoderState and reorders
// their rows (index_select); so that it reorders every member's rows at once, the members'
// parts travel packed side by side:
//   EncoderOutput.annotations (B, T_src, sum_m 2H_m)   members' annotations along the last dim
//   EncoderOutput.keys        (B, T_src, sum_m A_m)    members' keys along the last dim
//   EncoderOutput.mask, .lengths                       shared (one source batch)
//   DecoderState.hidden       (1, B, sum_m L_m D_m c_m) each member's (L_m, B, D_m) hidden
//                             state (and LSTM cell, c_m = 2; GRU c_m = 1) as B rows of
//                             L_m D_m values; DecoderState.cell undefined
// Only this class reads them; each step unpacks every member's part (views for the encoder
// side, a copy of the small recurrent state) and packs the new states again.
#include <vector>

#include "model/Seq2Seq.h"
#include "model/search/StepModel.h"

namespace s2s {

class EnsembleStepModel : public StepModel {
 public:
  // Throws s2s::Error when `members` is empty, a member is an empty holder or in training
  // mode, the members' vocabulary sizes differ, or they live on different devices.
  explicit EnsembleStepModel(std::vector<Seq2Seq> members);

  int64_t size() const { return static_cast<int64_t>(members_.size()); }

  EncoderOutput encode(const torch::Tensor& src, const torch::Tensor& src_lengths) override;
  DecoderState initial_state(const EncoderOutput& encoded) override;
  StepOutput step(const EncoderOutput& encoded, const DecoderState& state,
                  const torch::Tensor& prev_tokens) override;

 private:
  // Where member m's part lies in the packed tensors, from its ModelOptions.
  struct Part {
    int64_t annotation_offset = 0, annotation_width = 0;  // 2H_m
    int64_t key_offset = 0, key_width = 0;                // A_m
    int64_t state_offset = 0;                             // into the packed hidden's last dim
    int64_t layers = 0, hidden = 0;                       // L_m, D_m
    bool lstm = false;                                    // a cell state follows the hidden one
  };

  EncoderOutput member_encoding(const EncoderOutput& packed, const Part& part) const;
  DecoderState member_state(const DecoderState& packed, const Part& part) const;
  DecoderState pack(const std::vector<DecoderState>& states) const;

  std::vector<Seq2Seq> members_;
  std::vector<Part> parts_;
  int64_t state_width_ = 0;  // sum_m L_m D_m c_m
};

}  // namespace s2s
