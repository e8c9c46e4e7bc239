// Specification of GreedySearch: argmax decoding, </s> handling, the length limit,
// batching and kept attention.
#include <gtest/gtest.h>

#include "tests/model/search/SearchTestUtil.h"
#include "tests/model/search/TableStepModel.h"
#include "core/Error.h"
#include "model/search/GreedySearch.h"
#include "model/search/Seq2SeqStepModel.h"

namespace s2s {
namespace {

constexpr int64_t A = 4, B = 5, C = 6, D = 7;

SearchOptions plain() {
  SearchOptions o;
  o.length_penalty = LengthPenalty::none;
  return o;
}

TEST(GreedySearch, FollowsTheArgmaxAndStopsAtEos) {
  torch::set_num_threads(1);
  // <s> -> A (0.6) -> C (0.7) -> </s> (0.8)
  test::TableStepModel model(test::bigram_table(
      8, {{kBosId, {{A, 0.6}, {B, 0.3}}}, {A, {{C, 0.7}, {kEosId, 0.2}}}, {C, {{kEosId, 0.8}}}}));
  auto [src, len] = test::source_batch({{4, 5, 6}});
  const auto out = GreedySearch(model, plain()).search(src, len);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tokens, (std::vector<int64_t>{A, C}));
  EXPECT_FALSE(out[0].reached_max_length);
  EXPECT_NEAR(out[0].log_prob, std::log(0.6 * 0.7 * 0.8), 1e-5);
  EXPECT_EQ(out[0].score, out[0].log_prob);  // "none": no normalisation
  EXPECT_EQ(model.calls, 3);                 // stops at </s>, no extra step
}

TEST(GreedySearch, ScoreIsGnmtNormalised) {
  test::TableStepModel model(test::bigram_table(8, {{kBosId, {{A, 0.9}}}, {A, {{kEosId, 0.9}}}}));
  auto [src, len] = test::source_batch({{4}});
  SearchOptions o;
  o.length_penalty = LengthPenalty::gnmt;
  o.alpha = 0.6;
  const auto h = GreedySearch(model, o).search(src, len)[0];
  EXPECT_EQ(h.tokens, (std::vector<int64_t>{A}));
  EXPECT_NEAR(h.score, std::log(0.81) / std::pow(7.0 / 6.0, 0.6), 1e-6);
}

TEST(GreedySearch, MaxLengthIsRatioTimesSourceLengthPlusOffset) {
  // </s> is never likely: every sentence runs to its own limit, then </s> is forced.
  std::map<int64_t, std::map<int64_t, double>> rows;
  for (int64_t p = 0; p < 8; ++p) rows[p] = {{A, 0.5}, {B, 0.3}, {kEosId, 1e-4}};
  test::TableStepModel model(test::bigram_table(8, rows));
  auto [src, len] = test::source_batch({{4}, {4, 5, 6}, {4, 5, 6, 7, 4}});
  SearchOptions o = plain();
  o.max_length_ratio = 1.5;
  o.max_length_offset = 2;
  o.keep_attention = true;
  const auto out = GreedySearch(model, o).search(src, len);
  const std::vector<size_t> expected = {3, 6, 9};  // floor(1.5 * S) + 2
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].tokens.size(), expected[i]) << "row " << i;
    EXPECT_TRUE(out[i].reached_max_length);
    EXPECT_EQ(out[i].attention.size(0), static_cast<int64_t>(expected[i]) + 1);
  }
}

TEST(GreedySearch, KeepsOneAttentionRowPerScoredStep) {
  test::TableStepModel model(test::bigram_table(
      8, {{kBosId, {{A, 0.9}}}, {A, {{B, 0.9}}}, {B, {{C, 0.9}}}, {C, {{kEosId, 0.9}}}}));
  auto [src, len] = test::source_batch({{4, 5}, {4, 5, 6, 7, 8}});
  SearchOptions o = plain();
  o.keep_attention = true;
  const auto out = GreedySearch(model, o).search(src, len);
  // The table model attends to position t mod S at step t; columns are cut to S.
  EXPECT_TRUE(out[0].attention.equal(torch::tensor({{1.f, 0.f}, {0.f, 1.f}, {1.f, 0.f}, {0.f, 1.f}})));
  EXPECT_EQ(out[1].attention.sizes(), (std::vector<int64_t>{4, 5}));
  EXPECT_TRUE(out[1].attention.equal(torch::eye(5).slice(0, 0, 4)));
  EXPECT_FALSE(GreedySearch(model, plain()).search(src, len)[0].attention.defined());
}

TEST(GreedySearch, RealModelBatchedEqualsOneByOne) {
  for (const std::string cell : {"gru", "lstm"}) {
    Seq2Seq net = test::search_model(cell, 7);
    Seq2SeqStepModel model(net);
    SearchOptions o;
    o.keep_attention = true;
    const auto sources = test::search_sources();
    auto [src, len] = test::source_batch(sources);
    const auto batched = GreedySearch(model, o).search(src, len);
    int ended_by_eos = 0;
    for (size_t i = 0; i < sources.size(); ++i) {
      auto [s1, l1] = test::source_batch({sources[i]});
      const auto single = GreedySearch(model, o).search(s1, l1)[0];
      EXPECT_EQ(batched[i].tokens, single.tokens) << cell << " row " << i;
      EXPECT_NEAR(batched[i].log_prob, single.log_prob, 1e-4);
      EXPECT_EQ(batched[i].reached_max_length, single.reached_max_length);
      ASSERT_EQ(batched[i].attention.sizes(), single.attention.sizes());
      EXPECT_TRUE(batched[i].attention.allclose(single.attention, 1e-5, 1e-5));
      // Each row is a distribution over the real source tokens.
      EXPECT_TRUE(batched[i].attention.sum(1).allclose(
          torch::ones({batched[i].attention.size(0)}), 1e-5, 1e-5));
      ended_by_eos += !batched[i].reached_max_length;
    }
    EXPECT_GT(ended_by_eos, 0) << cell << ": the fixture should end some outputs with </s>";
  }
}

TEST(GreedySearch, RejectsATrainingModeModelAndBadInput) {
  Seq2Seq net = test::search_model("gru", 1);
  net->train();
  EXPECT_THROW(Seq2SeqStepModel{net}, Error);
  net->eval();
  Seq2SeqStepModel model(net);
  auto [src, len] = test::source_batch({{4, 5}});
  EXPECT_THROW(GreedySearch(model, plain()).search(src, len + 5), Error);
  EXPECT_THROW(GreedySearch(model, plain()).search(src.to(torch::kInt), len), Error);
  SearchOptions bad = plain();
  bad.length_penalty = static_cast<LengthPenalty>(7);  // no word names it
  EXPECT_THROW(GreedySearch(model, bad), Error);
}

}  // namespace
}  // namespace s2s
