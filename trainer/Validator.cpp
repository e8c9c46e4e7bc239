#include "trainer/Validator.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/Check.h"
#include "model/LabelSmoothedLoss.h"
#include "trainer/BatchTensors.h"

namespace s2s {

double ValidationResult::metric(const std::string& name) const {
  if (name == "loss") return loss;
  S2S_CHECK(decoded, "validation metric {} needs decoding, which this validation did not do", name);
  if (name == "bleu") return scores.bleu.bleu;
  if (name == "chrf") return scores.chrf;
  if (name == "exact_match") return scores.exact_match;
  S2S_FAIL("unknown validation metric '{}': use loss, bleu, chrf or exact_match", name);
}

nlohmann::json ValidationResult::record(int64_t step) const {
  nlohmann::json r = {{"kind", "valid"},
                      {"step", step},
                      {"loss", loss},
                      {"ppl", std::exp(std::min(loss, 50.0))},
                      {"tokens", tokens},
                      {"seconds", seconds}};
  if (decoded) {
    r["bleu"] = scores.bleu.bleu;
    r["chrf"] = scores.chrf;
    r["exact_match"] = scores.exact_match;
    r["token_error_rate"] = scores.token_error_rate;
    r["segments"] = scores.segments;
  }
  return r;
}

Validator::Validator(CorpusReader& data, Seq2Seq model, Translator& translator, Communicator& comm,
                     torch::Device device, bool decode)
    : data_(data),
      model_(std::move(model)),
      translator_(translator),
      comm_(comm),
      device_(device),
      decode_(decode) {}

ValidationResult Validator::run(const ReduceHook& around_reduce) {
  const auto start = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  model_->eval();
  double nll = 0;
  int64_t tokens = 0;
  CorpusScorer scorer;
  // One pass over this rank's part of the validation split (next() ends the epoch). Filler
  // batches repeat real ones only to keep ranks in step: they count for nothing.
  while (auto batch = data_.next()) {
    if (batch->filler) continue;
    const BatchTensors b = BatchTensors::from(*batch, device_);
    const LossOutput loss =
        LabelSmoothedLoss(0.0)(model_->forward(b.src, b.src_lengths, b.tgt_in).logits, b.tgt_out);
    nll += loss.nll_sum.item<double>();
    tokens += loss.tokens;
    if (!decode_) continue;
    const std::vector<NBest> outputs = translator_.search(b.src, b.src_lengths);
    for (int64_t r = 0; r < batch->size; ++r) {
      // The reference: row r of tgt_out without </s> and padding.
      const auto* row = batch->tgt_out.data() + r * batch->tgt_len;
      const std::vector<int64_t> reference(row, row + batch->tgt_lengths[static_cast<size_t>(r)] - 1);
      const std::string ref_text = translator_.detokenize(reference);
      scorer.add(translator_.detokenize(outputs[static_cast<size_t>(r)].at(0).tokens), {ref_text});
    }
  }
  // [nll, tokens, metric statistics...] summed over the ranks in one all-reduce.
  std::vector<double> sums{nll, static_cast<double>(tokens)};
  if (decode_) {
    const std::vector<double> stats = scorer.statistics();
    sums.insert(sums.end(), stats.begin(), stats.end());
  }
  auto totals = torch::tensor(sums, torch::kFloat64).to(comm_.device());
  const auto reduce = [&] { comm_.all_reduce_sum(totals); };
  if (around_reduce)
    around_reduce(reduce);
  else
    reduce();
  totals = totals.cpu().contiguous();
  const double* t = totals.data_ptr<double>();

  ValidationResult result;
  result.tokens = static_cast<int64_t>(std::llround(t[1]));
  result.loss = t[0] / std::max(t[1], 1.0);
  if (decode_) {
    result.decoded = true;
    result.scores = CorpusScorer::from_statistics(std::vector<double>(t + 2, t + totals.numel()));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace s2s
