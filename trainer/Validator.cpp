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
                      {"pairs", pairs},
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
  // The whole split in its fixed order, batch b on rank b % world: the same batches on any
  // number of ranks, each batch's loss in its own slot of the all-reduce (the others add
  // zeros, exactly), summed in batch order: the same loss, bit for bit, on any world size.
  ReaderCursor first = data_.cursor();
  first.epoch = 1;
  first.position = 0;
  data_.restore(first);
  const int64_t batches = data_.batches_in_epoch();
  std::vector<double> nll(static_cast<size_t>(batches), 0.0);
  int64_t tokens = 0, pairs = 0;
  CorpusScorer scorer;
  // A scoring reader is one group on one rank: each next() is one batch.
  for (int64_t index = 0; auto share = data_.next(); ++index) {
    const Batch& batch = share->front();
    if (index % comm_.size() != comm_.rank() || batch.filler) continue;
    const BatchTensors b = BatchTensors::from(batch, device_);
    const TeacherForcedLoss loss = translator_.loss(b);
    nll[static_cast<size_t>(index)] = loss.nll_sum;
    tokens += loss.tokens;
    pairs += batch.size;
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
  // [nll of each batch..., tokens, pairs, metric statistics...] summed over the ranks in one
  // all-reduce (counts and statistics are integers: exact in float64).
  std::vector<double> sums = nll;
  sums.push_back(static_cast<double>(tokens));
  sums.push_back(static_cast<double>(pairs));
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
  double nll_sum = 0;
  for (int64_t b = 0; b < batches; ++b) nll_sum += t[b];
  const double token_count = t[batches];
  result.tokens = static_cast<int64_t>(std::llround(token_count));
  result.pairs = static_cast<int64_t>(std::llround(t[batches + 1]));
  result.loss = nll_sum / std::max(token_count, 1.0);
  if (decode_) {
    result.decoded = true;
    result.scores = CorpusScorer::from_statistics(std::vector<double>(t + batches + 2, t + totals.numel()));
  }
  result.seconds = seconds_since(start);
  return result;
}

}  // namespace s2s
