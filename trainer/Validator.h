#pragma once
// One validation of a training run, collective over all ranks: the split is read whole and
// in a fixed order (CorpusReader::WholeSplit: no shuffle, nothing dropped for its length, the
// same batches on every world size, after every resume); rank r scores batches r, r + world,
// ... and the sums are all-reduced.
//   - always: the label-smoothing-free loss per target token under teacher forcing;
//   - with decoding (train.valid_metric bleu, chrf or exact_match): each rank also decodes
//     its share with the Translator's search options and scores the detokenized outputs
//     against the detokenized references (the validation targets' ids, so pieces outside
//     the vocabulary read as <unk>); the metrics' sufficient statistics are all-reduced
//     (CorpusScorer::statistics), never their per-rank scores.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>

#include "data/CorpusReader.h"
#include "model/Seq2Seq.h"
#include "trainer/comm/Communicator.h"
#include "trainer/decode/Translator.h"
#include "trainer/metrics/CorpusScorer.h"
#include "trainer/metrics/ValidMetric.h"

namespace s2s {

struct ValidationResult {
  double loss = 0;        // nats per target token
  int64_t tokens = 0;     // target tokens, all ranks
  int64_t pairs = 0;      // validation pairs scored, all ranks
  bool decoded = false;   // whether `scores` were computed
  MetricScores scores;    // of the decoded outputs, all ranks
  double seconds = 0;     // wall time of this validation

  // The value of train.valid_metric `which`.
  double metric(ValidMetric which) const;
  // The metrics.jsonl record: kind, step, loss, ppl, tokens, pairs, seconds, and with decoding
  // bleu, chrf, exact_match, token_error_rate, segments.
  nlohmann::json record(int64_t step) const;
};

class Validator {
 public:
  // `data` (a CorpusReader::WholeSplit reader), `translator` and `comm` must outlive the
  // Validator; `model` is the translator's. Batches are shared by comm.rank() and comm.size().
  Validator(CorpusReader& data, Seq2Seq model, Translator& translator, Communicator& comm,
            torch::Device device, bool decode);

  // Runs the one all-reduce of a validation; the trainer's wraps it in its collective watchdog.
  using ReduceHook = std::function<void(const std::function<void()>& reduce)>;

  // One pass over this rank's share of the split; collective (every rank must call it).
  // `around_reduce`, when given, is called with the all-reduce to run (it must run it).
  ValidationResult run(const ReduceHook& around_reduce = nullptr);

 private:
  CorpusReader& data_;
  Seq2Seq model_;
  Translator& translator_;
  Communicator& comm_;
  torch::Device device_;
  bool decode_;
};

}  // namespace s2s
