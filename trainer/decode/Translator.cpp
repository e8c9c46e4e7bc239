#include "trainer/decode/Translator.h"

#include <algorithm>
#include <numeric>

#include "core/Check.h"
#include "data/BatchBuilder.h"
#include "model/LabelSmoothedLoss.h"
#include "data/TokenIds.h"
#include "model/search/BeamSearch.h"
#include "model/search/EnsembleStepModel.h"
#include "model/search/GreedySearch.h"
#include "model/search/Seq2SeqStepModel.h"

namespace s2s {
namespace {

// Indices of `rows` ordered by decreasing length (stable), for batches of similar lengths.
std::vector<size_t> by_length(const std::vector<std::vector<int32_t>>& rows) {
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rows[a].size() > rows[b].size(); });
  return order;
}

torch::Device device_of(const std::vector<Seq2Seq>& models) {
  S2S_CHECK(!models.empty(), "Translator: at least one model is required");
  return models.front()->parameters().at(0).device();
}

}  // namespace

Translator::Translator(Seq2Seq model, Vocab source_vocab, Vocab target_vocab,
                       std::shared_ptr<const Tokenizer> source_tokenizer,
                       std::shared_ptr<const Tokenizer> target_tokenizer, SearchOptions search)
    : Translator(std::vector<Seq2Seq>{std::move(model)}, std::move(source_vocab), std::move(target_vocab),
                 std::move(source_tokenizer), std::move(target_tokenizer), std::move(search)) {}

Translator::Translator(std::vector<Seq2Seq> models, Vocab source_vocab, Vocab target_vocab,
                       std::shared_ptr<const Tokenizer> source_tokenizer,
                       std::shared_ptr<const Tokenizer> target_tokenizer, SearchOptions search)
    : models_(std::move(models)),
      source_vocab_(std::move(source_vocab)),
      target_vocab_(std::move(target_vocab)),
      source_tokenizer_(std::move(source_tokenizer)),
      target_tokenizer_(std::move(target_tokenizer)),
      search_(std::move(search)),
      device_(device_of(models_)) {
  S2S_CHECK(source_tokenizer_ && target_tokenizer_, "Translator: both tokenizers are required");
  search_.validate();
  for (auto& model : models_) {
    S2S_CHECK(model->parameters().at(0).device() == device_, "Translator: the models of an ensemble are on {} and {}: "
              "decode them on one device", device_.str(), model->parameters().at(0).device().str());
    model->eval();
  }
}

std::unique_ptr<StepModel> Translator::step_model() {
  for (auto& model : models_) model->eval();
  if (models_.size() == 1) return std::make_unique<Seq2SeqStepModel>(models_.front());
  return std::make_unique<EnsembleStepModel>(models_);
}

std::vector<int32_t> Translator::piece_ids(std::string_view text, const Tokenizer& tokenizer,
                                           const Vocab& vocab) const {
  std::vector<std::string> pieces;
  tokenizer.encode(text, pieces);
  std::vector<int32_t> ids;
  vocab.encode(pieces, ids);
  return ids;
}

std::vector<int64_t> Translator::encode_source(std::string_view text) const {
  std::vector<int64_t> ids;
  for (const int32_t id : piece_ids(text, *source_tokenizer_, source_vocab_)) ids.push_back(id);
  ids.push_back(kEosId);
  return ids;
}

std::string Translator::detokenize(const std::vector<int64_t>& target_ids) const {
  return target_tokenizer_->decode(target_vocab_.pieces(target_ids.data(), target_ids.size()));
}

std::vector<NBest> Translator::search(const torch::Tensor& src, const torch::Tensor& src_lengths) {
  const std::unique_ptr<StepModel> model = step_model();
  const auto src_on_device = src.to(device_);
  if (search_.beam_size == 1) {
    std::vector<NBest> out;
    for (auto& h : GreedySearch(*model, search_).search(src_on_device, src_lengths))
      out.push_back(NBest{std::move(h)});
    return out;
  }
  return BeamSearch(*model, search_).search(src_on_device, src_lengths);
}

std::vector<Translation> Translator::translate(const std::vector<std::string>& lines,
                                               int64_t batch_size) {
  S2S_CHECK(batch_size >= 1, "translate: the batch size must be at least 1, got {}", batch_size);
  std::vector<std::vector<int32_t>> sources;
  sources.reserve(lines.size());
  for (const auto& line : lines) sources.push_back(piece_ids(line, *source_tokenizer_, source_vocab_));
  const std::vector<size_t> order = by_length(sources);

  std::vector<Translation> out(lines.size());
  for (size_t first = 0; first < order.size(); first += static_cast<size_t>(batch_size)) {
    const size_t last = std::min(order.size(), first + static_cast<size_t>(batch_size));
    BatchBuilder builder;
    for (size_t k = first; k < last; ++k) builder.add(sources[order[k]], {});
    const BatchTensors batch = BatchTensors::from(builder.build(), device_);
    std::vector<NBest> results = search(batch.src, batch.src_lengths);
    for (size_t k = first; k < last; ++k)
      out[order[k]] = translation(sources[order[k]], std::move(results[k - first]));
  }
  return out;
}

Translation Translator::translation(const std::vector<int32_t>& source, NBest&& nbest) const {
  Translation t;
  for (const int32_t id : source) t.source_tokens.push_back(source_vocab_.token(id));
  for (Hypothesis& h : nbest) {
    TranslatedHypothesis th;
    th.text = detokenize(h.tokens);
    for (const int64_t id : h.tokens) th.tokens.push_back(target_vocab_.token(static_cast<int32_t>(id)));
    th.score = h.score;
    th.log_prob = h.log_prob;
    th.attention = std::move(h.attention);
    t.nbest.push_back(std::move(th));
  }
  return t;
}

TeacherForcedLoss Translator::loss(const std::vector<std::string>& sources,
                                   const std::vector<std::string>& references, int64_t batch_size) {
  S2S_CHECK(sources.size() == references.size(), "loss: {} sources but {} references",
            sources.size(), references.size());
  S2S_CHECK(batch_size >= 1, "loss: the batch size must be at least 1, got {}", batch_size);
  std::vector<std::vector<int32_t>> src_ids, tgt_ids;
  for (size_t i = 0; i < sources.size(); ++i) {
    src_ids.push_back(piece_ids(sources[i], *source_tokenizer_, source_vocab_));
    tgt_ids.push_back(piece_ids(references[i], *target_tokenizer_, target_vocab_));
  }
  const std::vector<size_t> order = by_length(src_ids);
  TeacherForcedLoss total;
  for (size_t first = 0; first < order.size(); first += static_cast<size_t>(batch_size)) {
    const size_t last = std::min(order.size(), first + static_cast<size_t>(batch_size));
    BatchBuilder builder;
    for (size_t k = first; k < last; ++k) builder.add(src_ids[order[k]], tgt_ids[order[k]]);
    const TeacherForcedLoss l = loss(BatchTensors::from(builder.build(), device_));
    total.nll_sum += l.nll_sum;
    total.tokens += l.tokens;
  }
  return total;
}

TeacherForcedLoss Translator::loss(const BatchTensors& batch) {
  torch::NoGradGuard no_grad;
  TeacherForcedLoss total;
  for (auto& model : models_) {
    model->eval();
    const auto logits = model->forward(batch.src, batch.src_lengths, batch.tgt_in).logits;  // (B, T_tgt, V)
    const LossOutput l = LabelSmoothedLoss(0.0)(logits, batch.tgt_out);
    total.nll_sum += l.nll_sum.item<double>();
    total.tokens = l.tokens;
  }
  total.nll_sum /= static_cast<double>(models_.size());
  return total;
}

}  // namespace s2s
