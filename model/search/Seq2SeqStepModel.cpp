#include "model/search/Seq2SeqStepModel.h"

#include "core/Check.h"

namespace s2s {

Seq2SeqStepModel::Seq2SeqStepModel(Seq2Seq model) : model_(std::move(model)) {
  S2S_CHECK(!model_.is_empty(), "Seq2SeqStepModel needs a constructed Seq2Seq, got an empty holder");
  S2S_CHECK(!model_->is_training(),
            "search on a model in training mode: call model->eval() first (dropout would make "
            "decoding random)");
}

EncoderOutput Seq2SeqStepModel::encode(const torch::Tensor& src, const torch::Tensor& src_lengths) {
  return model_->encode(src, src_lengths);
}

DecoderState Seq2SeqStepModel::initial_state(const EncoderOutput& encoded) {
  return model_->initial_state(encoded);
}

StepOutput Seq2SeqStepModel::step(const EncoderOutput& encoded, const DecoderState& state,
                                  const torch::Tensor& prev_tokens) {
  return model_->step(encoded, state, prev_tokens);
}

}  // namespace s2s
