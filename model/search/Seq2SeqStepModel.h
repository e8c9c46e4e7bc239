#pragma once
// Adapts a Seq2Seq to the StepModel interface that GreedySearch and BeamSearch use.
//
//   model->eval();
//   Seq2SeqStepModel step_model(model);
//   auto out = BeamSearch(step_model, options).search(src, src_lengths);
#include "model/Seq2Seq.h"
#include "model/search/StepModel.h"

namespace s2s {

class Seq2SeqStepModel : public StepModel {
 public:
  // Throws s2s::Error if `model` is in training mode: dropout would make decoding random
  // (call model->eval() first).
  explicit Seq2SeqStepModel(Seq2Seq model);

  EncoderOutput encode(const torch::Tensor& src, const torch::Tensor& src_lengths) override;
  DecoderState initial_state(const EncoderOutput& encoded) override;
  StepOutput step(const EncoderOutput& encoded, const DecoderState& state,
                  const torch::Tensor& prev_tokens) override;

 private:
  Seq2Seq model_;
};

}  // namespace s2s
