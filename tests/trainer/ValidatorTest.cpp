// Validator: the validation split is scored whole and in one fixed order: two ranks that
// each score their share of its batches and all-reduce the sums get exactly the numbers one
// process gets (loss bit for bit; BLEU, chrF, exact match, token error rate from summed
// statistics, not averaged scores); a second validation scores the same pairs the same way;
// no pair is dropped by the training length limits; valid_max_pairs takes the first N.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/trainer/comm/FakeCommunicator.h"
#include "data/CorpusReader.h"
#include "tests/trainer/TinyModel.h"
#include "trainer/Validator.h"

namespace s2s {
namespace {

// Stands for the other rank in an all-reduce: adds what that rank contributed (`other`,
// when defined) and remembers what this rank contributed.
class TwoRankStandIn : public test::FakeCommunicator {
 public:
  using FakeCommunicator::all_reduce_sum;
  TwoRankStandIn(int rank, torch::Tensor other) : FakeCommunicator(2), rank_(rank), other_(std::move(other)) {}
  int rank() const override { return rank_; }
  void all_reduce_sum(const torch::Tensor& tensor) override {
    mine = tensor.clone();
    if (other_.defined()) tensor.add_(other_);
  }
  torch::Tensor mine;

 private:
  int rank_;
  torch::Tensor other_;
};

ValidationResult validate(const TrainedModel& model, Translator& translator, test::FakeCommunicator& comm,
                          const DataOptions& data, int64_t max_pairs = 0, bool decode = true) {
  CorpusReader reader(data, "valid", CorpusReader::WholeSplit{max_pairs});
  return Validator(reader, model.model(), translator, comm, torch::kCPU, decode).run();
}

// The same split scored by one process, and by two ranks (rank 1 first, its sums handed to rank 0).
struct OneAndTwo {
  ValidationResult whole, part1, both;
};
OneAndTwo one_and_two(const TrainedModel& model, Translator& translator, const DataOptions& data,
                      int64_t max_pairs = 0) {
  test::FakeCommunicator alone(1);
  OneAndTwo r;
  r.whole = validate(model, translator, alone, data, max_pairs);
  TwoRankStandIn rank1{1, torch::Tensor()};
  r.part1 = validate(model, translator, rank1, data, max_pairs);
  TwoRankStandIn rank0{0, rank1.mine};
  r.both = validate(model, translator, rank0, data, max_pairs);
  return r;
}

TEST(Validator, TwoRanksSummingStatisticsEqualOneProcess) {
  const test::TinyRun t = test::tiny_run();
  const TrainedModel model = test::load_tiny_model(t);
  SearchOptions search = model.config().search;
  search.beam_size = 2;
  Translator translator = model.translator(search);

  DataOptions data = model.config().data;
  data.max_tokens = 200;  // several batches, to share out
  const auto [whole, part1, both] = one_and_two(model, translator, data);

  EXPECT_EQ(whole.scores.segments, 200);
  EXPECT_EQ(whole.pairs, 200);
  EXPECT_EQ(both.pairs, 200);
  EXPECT_GT(part1.scores.segments, 0);  // rank 1 alone (its share and nothing more)
  EXPECT_LT(part1.scores.segments, 200);
  EXPECT_EQ(both.scores.segments, whole.scores.segments);
  EXPECT_EQ(both.tokens, whole.tokens);
  EXPECT_EQ(both.loss, whole.loss);  // each batch's loss summed in batch order on any world size
  EXPECT_EQ(both.scores.bleu.sys_len, whole.scores.bleu.sys_len);
  EXPECT_DOUBLE_EQ(both.scores.bleu.bleu, whole.scores.bleu.bleu);
  EXPECT_DOUBLE_EQ(both.scores.chrf, whole.scores.chrf);
  EXPECT_DOUBLE_EQ(both.scores.exact_match, whole.scores.exact_match);
  EXPECT_DOUBLE_EQ(both.scores.token_error_rate, whole.scores.token_error_rate);
  EXPECT_GT(whole.scores.bleu.bleu, 50.0);  // the tiny run learned its task
  EXPECT_DOUBLE_EQ(whole.metric(ValidMetric::bleu), whole.scores.bleu.bleu);
  EXPECT_DOUBLE_EQ(whole.metric(ValidMetric::loss), whole.loss);
  const auto record = whole.record(300);
  EXPECT_EQ(record["kind"], "valid");
  EXPECT_DOUBLE_EQ(record["chrf"].get<double>(), whole.scores.chrf);
  EXPECT_EQ(record["pairs"], 200);
}

TEST(Validator, ScoresTheSameWholeSplitEveryTimeWhateverTheTrainingLimits) {
  const test::TinyRun t = test::tiny_run();
  const TrainedModel model = test::load_tiny_model(t);
  Translator translator = model.translator(model.config().search);
  test::FakeCommunicator alone(1);
  CorpusReader reader(model.config().data, "valid", CorpusReader::WholeSplit{});
  Validator validator(reader, model.model(), translator, alone, torch::kCPU, /*decode=*/true);
  const ValidationResult first = validator.run();
  const ValidationResult second = validator.run();  // no epoch moves on, nothing is reshuffled
  EXPECT_EQ(first.pairs, 200);
  EXPECT_EQ(second.loss, first.loss);
  EXPECT_EQ(second.scores.bleu.bleu, first.scores.bleu.bleu);
  EXPECT_EQ(second.tokens, first.tokens);

  // Training limits that would drop every pair, a budget smaller than any pair, and shuffling
  // on: the validation split is still scored whole (a pair over max_tokens alone is a batch).
  DataOptions strict = model.config().data;
  strict.max_source_length = 1;
  strict.max_target_length = 1;
  strict.max_tokens = 2;
  strict.shuffle = true;
  const ValidationResult limited = validate(model, translator, alone, strict, 0, /*decode=*/false);
  EXPECT_EQ(limited.pairs, 200);
  EXPECT_EQ(limited.tokens, first.tokens);
  EXPECT_NEAR(limited.loss, first.loss, 1e-6 * first.loss);  // other batches: float rounding only
}

TEST(Validator, MaxPairsScoresTheFirstPairsOfTheSplitOnAnyWorldSize) {
  const test::TinyRun t = test::tiny_run();
  const TrainedModel model = test::load_tiny_model(t);
  Translator translator = model.translator(model.config().search);
  DataOptions data = model.config().data;
  data.max_tokens = 200;
  const auto [whole, part1, both] = one_and_two(model, translator, data, 50);
  EXPECT_LT(part1.pairs, 50);
  EXPECT_GT(part1.pairs, 0);
  EXPECT_EQ(whole.pairs, 50);
  EXPECT_EQ(whole.scores.segments, 50);
  EXPECT_EQ(both.pairs, 50);
  EXPECT_EQ(both.loss, whole.loss);
  EXPECT_EQ(both.scores.bleu.bleu, whole.scores.bleu.bleu);
  // They are the split's first 50 pairs: their targets' tokens, counted from the shard.
  CorpusReader reader(model.config().data, "valid", CorpusReader::WholeSplit{50});
  int64_t tokens = 0;
  std::set<int64_t> ids;
  while (auto share = reader.next()) {
    ASSERT_EQ(share->size(), 1u);  // a scoring reader: one batch per next()
    for (int64_t id : share->front().example_ids) ids.insert(id);
    for (int64_t n : share->front().tgt_lengths) tokens += n;
  }
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(*ids.begin(), 0);
  EXPECT_EQ(*ids.rbegin(), 49);
  EXPECT_EQ(whole.tokens, tokens);
  // More than the split holds: the whole split.
  test::FakeCommunicator alone(1);
  EXPECT_EQ(validate(model, translator, alone, model.config().data, 100000).pairs, 200);
}

}  // namespace
}  // namespace s2s
