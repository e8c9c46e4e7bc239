#include "trainer/Translator.h"

#include <algorithm>
#include <numeric>

#include "core/Check.h"
#include "model/LabelSmoothedLoss.h"
#include "model/TokenIds.h"
#include "model/search/BeamSearch.h"
#include "model/search/GreedySearch.h"
#include "model/search/Seq2SeqStepModel.h"

namespace s2s {
namespace {

// Rows of ids -> (B, T) int64 padded with kPadId, and (B) lengths on the CPU.
std::pair<torch::Tensor, torch::Tensor> pad(const std::vector<const std::vector<int64_t>*>& rows) {
  int64_t longest = 1;
  for (const auto* r : rows) longest = std::max<int64_t>(longest, static_cast<int64_t>(r->size()));
  const auto B = static_cast<int64_t>(rows.size());
  auto ids = torch::full({B, longest}, kPadId, torch::kLong);  // (B, T)
  auto lengths = torch::empty({B}, torch::kLong);               // (B)
  auto* data = ids.data_ptr<int64_t>();
  auto* length = lengths.data_ptr<int64_t>();
  for (int64_t b = 0; b < B; ++b) {
    std::copy(rows[b]->begin(), rows[b]->end(), data + b * longest);
    length[b] = static_cast<int64_t>(rows[b]->size());
  }
  return {ids, lengths};
}

// Indices of `rows` ordered by decreasing length (stable), for batches of similar lengths.
std::vector<size_t> by_length(const std::vector<std::vector<int64_t>>& rows) {
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rows[a].size() > rows[b].size(); });
  return order;
}

}  // namespace

Translator::Translator(Seq2Seq model, Vocab source_vocab, Vocab target_vocab,
                       std::shared_ptr<const Tokenizer> source_tokenizer,
                       std::shared_ptr<const Tokenizer> target_tokenizer, SearchOptions search)
    : model_(std::move(model)),
      source_vocab_(std::move(source_vocab)),
      target_vocab_(std::move(target_vocab)),
      source_tokenizer_(std::move(source_tokenizer)),
      target_tokenizer_(std::move(target_tokenizer)),
      search_(std::move(search)),
      device_(model_->parameters().at(0).device()) {
  S2S_CHECK(source_tokenizer_ && target_tokenizer_, "Translator: both tokenizers are required");
  search_.validate();
  model_->eval();
}

std::vector<int64_t> Translator::encode(std::string_view text, const Tokenizer& tokenizer,
                                        const Vocab& vocab) const {
  std::vector<std::string> pieces;
  tokenizer.encode(text, pieces);
  std::vector<int32_t> ids32;
  vocab.encode(pieces, ids32);
  std::vector<int64_t> ids(ids32.begin(), ids32.end());
  ids.push_back(kEosId);
  return ids;
}

std::vector<int64_t> Translator::encode_source(std::string_view text) const {
  return encode(text, *source_tokenizer_, source_vocab_);
}

std::vector<int64_t> Translator::encode_target(std::string_view text) const {
  return encode(text, *target_tokenizer_, target_vocab_);
}

std::string Translator::detokenize(const std::vector<int64_t>& target_ids) const {
  return target_tokenizer_->decode(target_vocab_.pieces(target_ids.data(), target_ids.size()));
}

std::vector<NBest> Translator::search(const torch::Tensor& src, const torch::Tensor& src_lengths) {
  model_->eval();
  Seq2SeqStepModel step_model(model_);
  const auto src_on_device = src.to(device_);
  if (search_.beam_size == 1) {
    std::vector<NBest> out;
    for (auto& h : GreedySearch(step_model, search_).search(src_on_device, src_lengths))
      out.push_back(NBest{std::move(h)});
    return out;
  }
  return BeamSearch(step_model, search_).search(src_on_device, src_lengths);
}

std::vector<Translation> Translator::translate(const std::vector<std::string>& lines,
                                               int64_t batch_size) {
  S2S_CHECK(batch_size >= 1, "translate: the batch size must be at least 1, got {}", batch_size);
  std::vector<std::vector<int64_t>> sources;
  sources.reserve(lines.size());
  for (const auto& line : lines) sources.push_back(encode_source(line));
  const std::vector<size_t> order = by_length(sources);

  std::vector<Translation> out(lines.size());
  for (size_t first = 0; first < order.size(); first += static_cast<size_t>(batch_size)) {
    const size_t last = std::min(order.size(), first + static_cast<size_t>(batch_size));
    std::vector<const std::vector<int64_t>*> rows;
    for (size_t k = first; k < last; ++k) rows.push_back(&sources[order[k]]);
    const auto [src, lengths] = pad(rows);  // (B, T_src), (B)
    std::vector<NBest> results = search(src, lengths);
    for (size_t k = first; k < last; ++k) {
      const size_t i = order[k];
      Translation& t = out[i];
      for (size_t j = 0; j + 1 < sources[i].size(); ++j)
        t.source_tokens.push_back(source_vocab_.token(static_cast<int32_t>(sources[i][j])));
      for (Hypothesis& h : results[k - first]) {
        TranslatedHypothesis th;
        th.text = detokenize(h.tokens);
        for (const int64_t id : h.tokens) th.tokens.push_back(target_vocab_.token(static_cast<int32_t>(id)));
        th.score = h.score;
        th.log_prob = h.log_prob;
        th.attention = std::move(h.attention);
        t.nbest.push_back(std::move(th));
      }
    }
  }
  return out;
}

TeacherForcedLoss Translator::loss(const std::vector<std::string>& sources,
                                   const std::vector<std::string>& references, int64_t batch_size) {
  S2S_CHECK(sources.size() == references.size(), "loss: {} sources but {} references",
            sources.size(), references.size());
  S2S_CHECK(batch_size >= 1, "loss: the batch size must be at least 1, got {}", batch_size);
  torch::NoGradGuard no_grad;
  model_->eval();
  std::vector<std::vector<int64_t>> src_ids, tgt_in, tgt_out;
  for (size_t i = 0; i < sources.size(); ++i) {
    src_ids.push_back(encode_source(sources[i]));
    tgt_out.push_back(encode_target(references[i]));  // y_1..y_m </s>
    std::vector<int64_t> in{kBosId};                   // <s> y_1..y_m
    in.insert(in.end(), tgt_out.back().begin(), tgt_out.back().end() - 1);
    tgt_in.push_back(std::move(in));
  }
  const std::vector<size_t> order = by_length(src_ids);
  TeacherForcedLoss total;
  for (size_t first = 0; first < order.size(); first += static_cast<size_t>(batch_size)) {
    const size_t last = std::min(order.size(), first + static_cast<size_t>(batch_size));
    std::vector<const std::vector<int64_t>*> s, ti, to;
    for (size_t k = first; k < last; ++k) {
      s.push_back(&src_ids[order[k]]);
      ti.push_back(&tgt_in[order[k]]);
      to.push_back(&tgt_out[order[k]]);
    }
    const auto [src, src_lengths] = pad(s);  // (B, T_src), (B)
    const auto in = pad(ti).first.to(device_);    // (B, T_tgt)
    const auto out = pad(to).first.to(device_);   // (B, T_tgt)
    const auto logits = model_->forward(src.to(device_), src_lengths, in).logits;  // (B, T_tgt, V)
    const LossOutput l = LabelSmoothedLoss(0.0)(logits, out);
    total.nll_sum += l.nll_sum.item<double>();
    total.tokens += l.tokens;
  }
  return total;
}

}  // namespace s2s
