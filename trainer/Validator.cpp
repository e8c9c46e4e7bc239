#include "trainer/Validator.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/Check.h"
#include "core/Clock.h"
#include "model/BatchTensors.h"

namespace s2s {

double ValidationResult::metric(ValidMetric which) const {
  S2S_CHECK(which == ValidMetric::loss || decoded,
            "validation metric {} needs decoding, which this validation did not do", name_of(which));
  switch (which) {
    case ValidMetric::loss: return loss;
    case ValidMetric::bleu: return scores.bleu.bleu;
    case ValidMetric::chrf: return scores.chrf;
    case ValidMetric::exact_match: return scores.exact_match;
  }
  S2S_FAIL("validation metric {} is not one s2s knows", static_cast<int>(which));
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
  const auto start = Clock::now();
  torch::NoGradGuard no_grad;
  model_->eval();
  double nll = 0;
  int64_t tokens = 0;
  CorpusScorer scorer;
  // One pass over this rank's part of the validation split (next() ends the epoch). Filler
  // batches repeat real ones only to keep ranks in step: they count for nothing.
  while (auto share = data_.next()) {
    for (const Batch& batch : *share) {
      if (batch.filler) continue;
      const BatchTensors b = BatchTensors::from(batch, device_);
      const TeacherForcedLoss loss = translator_.loss(b);
      nll += loss.nll_sum;
      tokens += loss.tokens;
      if (!decode_) continue;
      const std::vector<NBest> outputs = translator_.search(b.src, b.src_lengths);
      for (int64_t r = 0; r < batch.size; ++r) {
        // The reference: row r of tgt_out without </s> and padding.
        const auto* row = batch.tgt_out.data() + r * batch.tgt_len;
        const std::vector<int64_t> reference(row, row + batch.tgt_lengths[static_cast<size_t>(r)] - 1);
        const std::string ref_text = translator_.detokenize(reference);
        scorer.add(translator_.detokenize(outputs[static_cast<size_t>(r)].at(0).tokens), {ref_text});
      }
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
  result.seconds = seconds_since(start);
  return result;
}

}  // namespace s2s
