// Validator: two ranks that each score their share of the validation split and all-reduce
// the sums get exactly the numbers one process gets on the whole split (loss, and BLEU,
// chrF, exact match, token error rate from summed statistics, not averaged scores).
#include <gtest/gtest.h>

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
  explicit TwoRankStandIn(torch::Tensor other) : FakeCommunicator(2), other_(std::move(other)) {}
  void all_reduce_sum(const torch::Tensor& tensor) override {
    mine = tensor.clone();
    if (other_.defined()) tensor.add_(other_);
  }
  torch::Tensor mine;

 private:
  torch::Tensor other_;
};

ValidationResult validate(const TrainedModel& model, Translator& translator, int rank, int world,
                          test::FakeCommunicator& comm) {
  CorpusReader reader(model.config().data, "valid", rank, world, 1);
  return Validator(reader, model.model(), translator, comm, torch::kCPU, /*decode=*/true).run();
}

TEST(Validator, TwoRanksSummingStatisticsEqualOneProcess) {
  const test::TinyRun t = test::tiny_run();
  const TrainedModel model = test::load_tiny_model(t);
  SearchOptions search = model.config().search;
  search.beam_size = 2;
  Translator translator = model.translator(search);

  test::FakeCommunicator alone(1);
  const ValidationResult whole = validate(model, translator, 0, 1, alone);
  TwoRankStandIn rank1{torch::Tensor()};
  const ValidationResult part1 = validate(model, translator, 1, 2, rank1);
  TwoRankStandIn rank0{rank1.mine};
  const ValidationResult both = validate(model, translator, 0, 2, rank0);

  EXPECT_EQ(whole.scores.segments, 200);
  EXPECT_GT(part1.scores.segments, 0);  // rank 1 alone (its share and nothing more)
  EXPECT_LT(part1.scores.segments, 200);
  EXPECT_EQ(both.scores.segments, whole.scores.segments);
  EXPECT_EQ(both.tokens, whole.tokens);
  EXPECT_NEAR(both.loss, whole.loss, 1e-5 * whole.loss);
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
}

}  // namespace
}  // namespace s2s
