#include "model/search/EnsembleStepModel.h"

#include "core/Check.h"
#include "model/search/Seq2SeqStepModel.h"

namespace s2s {

EnsembleStepModel::EnsembleStepModel(std::vector<Seq2Seq> members) : members_(std::move(members)) {
  S2S_CHECK(!members_.empty(), "an ensemble needs at least one model");
  int64_t annotations = 0, keys = 0;
  for (size_t m = 0; m < members_.size(); ++m) {
    Seq2SeqStepModel checked(members_[m]);  // a constructed model in eval mode
    const Seq2Seq& first = members_.front();
    const Seq2Seq& model = members_[m];
    S2S_CHECK(model->src_vocab() == first->src_vocab() && model->tgt_vocab() == first->tgt_vocab(),
              "ensemble member {} has vocabularies of {} (source) and {} (target) entries, member 1 of {} and "
              "{}: an ensemble decodes with one vocabulary",
              m + 1, model->src_vocab(), model->tgt_vocab(), first->src_vocab(), first->tgt_vocab());
    const auto device = model->parameters().at(0).device();
    S2S_CHECK(device == first->parameters().at(0).device(), "ensemble member {} is on {} but member 1 on {}",
              m + 1, device.str(), first->parameters().at(0).device().str());
    const ModelOptions& o = model->options();
    Part part;
    part.annotation_offset = annotations;
    part.annotation_width = 2 * int64_t{o.encoder_hidden};
    part.key_offset = keys;
    part.key_width = o.attention_dim;
    part.state_offset = state_width_;
    part.layers = o.decoder_layers;
    part.hidden = o.decoder_hidden;
    part.lstm = o.cell == CellKind::lstm;
    annotations += part.annotation_width;
    keys += part.key_width;
    state_width_ += part.layers * part.hidden * (part.lstm ? 2 : 1);
    parts_.push_back(part);
  }
}

EncoderOutput EnsembleStepModel::encode(const torch::Tensor& src, const torch::Tensor& src_lengths) {
  std::vector<torch::Tensor> annotations, keys;
  EncoderOutput packed;
  for (auto& member : members_) {
    EncoderOutput e = member->encode(src, src_lengths);  // checks the inputs
    annotations.push_back(e.annotations);
    keys.push_back(e.keys);
    if (!packed.mask.defined()) {
      packed.mask = e.mask;
      packed.lengths = e.lengths;
    }
  }
  packed.annotations = torch::cat(annotations, 2);  // (B, T_src, sum 2H_m)
  packed.keys = torch::cat(keys, 2);                // (B, T_src, sum A_m)
  return packed;
}

EncoderOutput EnsembleStepModel::member_encoding(const EncoderOutput& packed, const Part& part) const {
  S2S_CHECK(packed.annotations.defined() && packed.annotations.dim() == 3 &&
                packed.annotations.size(2) == parts_.back().annotation_offset + parts_.back().annotation_width,
            "EnsembleStepModel needs an EncoderOutput from its own encode()");
  return EncoderOutput{packed.annotations.narrow(2, part.annotation_offset, part.annotation_width),
                       packed.keys.narrow(2, part.key_offset, part.key_width), packed.mask, packed.lengths};
}

DecoderState EnsembleStepModel::member_state(const DecoderState& packed, const Part& part) const {
  S2S_CHECK(packed.hidden.defined() && packed.hidden.dim() == 3 && packed.hidden.size(0) == 1 &&
                packed.hidden.size(2) == state_width_,
            "EnsembleStepModel needs a DecoderState from its own initial_state() or step()");
  const int64_t B = packed.hidden.size(1);
  const int64_t width = part.layers * part.hidden;
  // (B, L*D) rows -> (L, B, D), as Seq2Seq keeps its state.
  const auto unflatten = [&](int64_t offset) {
    return packed.hidden[0].narrow(1, offset, width).reshape({B, part.layers, part.hidden}).permute({1, 0, 2}).contiguous();
  };
  DecoderState s;
  s.hidden = unflatten(part.state_offset);
  if (part.lstm) s.cell = unflatten(part.state_offset + width);
  return s;
}

DecoderState EnsembleStepModel::pack(const std::vector<DecoderState>& states) const {
  std::vector<torch::Tensor> rows;  // each (B, L_m * D_m)
  for (const DecoderState& s : states) {
    const int64_t B = s.hidden.size(1);
    rows.push_back(s.hidden.permute({1, 0, 2}).reshape({B, -1}));
    if (s.cell.defined()) rows.push_back(s.cell.permute({1, 0, 2}).reshape({B, -1}));
  }
  DecoderState packed;
  packed.hidden = torch::cat(rows, 1).unsqueeze(0);  // (1, B, state_width_)
  return packed;
}

DecoderState EnsembleStepModel::initial_state(const EncoderOutput& encoded) {
  std::vector<DecoderState> states;
  for (size_t m = 0; m < members_.size(); ++m)
    states.push_back(members_[m]->initial_state(member_encoding(encoded, parts_[m])));
  return pack(states);
}

StepOutput EnsembleStepModel::step(const EncoderOutput& encoded, const DecoderState& state,
                                   const torch::Tensor& prev_tokens) {
  std::vector<DecoderState> states;
  std::vector<torch::Tensor> log_probs, attention;  // each (B, V), (B, T_src)
  for (size_t m = 0; m < members_.size(); ++m) {
    StepOutput out = members_[m]->step(member_encoding(encoded, parts_[m]), member_state(state, parts_[m]),
                                       prev_tokens);
    log_probs.push_back(out.log_probs);
    attention.push_back(out.attention);
    states.push_back(std::move(out.state));
  }
  StepOutput out;
  out.log_probs = torch::stack(log_probs).mean(0);  // (B, V): the mean of log-probabilities
  out.attention = torch::stack(attention).mean(0);  // (B, T_src)
  out.state = pack(states);
  return out;
}

}  // namespace s2s
