// Specification of BeamSearch: beam size 1 is greedy, batching does not change results,
// it finds better outputs than greedy where greedy is short-sighted, n-best lists, </s>
// handling and the length limit.
#include <gtest/gtest.h>

#include <set>

#include "tests/model/search/SearchTestUtil.h"
#include "tests/model/search/TableStepModel.h"
#include "core/Error.h"
#include "model/search/BeamSearch.h"
#include "model/search/GreedySearch.h"
#include "model/search/Seq2SeqStepModel.h"

namespace s2s {
namespace {

constexpr int64_t A = 4, B = 5, C = 6, D = 7;
constexpr int64_t kV = 8;

SearchOptions with(int64_t beam, int64_t n_best = 1, LengthPenalty penalty = LengthPenalty::none) {
  SearchOptions o;
  o.beam_size = beam;
  o.n_best = n_best;
  o.length_penalty = penalty;
  return o;
}

// Greedy takes A (0.6) and then can only end badly (0.3); B (0.4) ends well (0.9).
torch::Tensor garden_path_table() {
  return test::bigram_table(kV, {{kBosId, {{A, 0.6}, {B, 0.4}}},
                                 {A, {{kEosId, 0.3}, {C, 0.25}, {D, 0.25}}},
                                 {B, {{kEosId, 0.9}}},
                                 {C, {{kEosId, 0.5}}},
                                 {D, {{kEosId, 0.5}}}});
}

TEST(BeamSearch, FindsAHigherScoringOutputThanGreedy) {
  torch::set_num_threads(1);
  test::TableStepModel model(garden_path_table());
  auto [src, len] = test::source_batch({{4, 5, 6}});
  const auto greedy = GreedySearch(model, with(1)).search(src, len)[0];
  const auto beam = BeamSearch(model, with(2)).search(src, len)[0][0];
  EXPECT_EQ(greedy.tokens, (std::vector<int64_t>{A}));
  EXPECT_NEAR(greedy.log_prob, std::log(0.6 * 0.3), 1e-5);
  EXPECT_EQ(beam.tokens, (std::vector<int64_t>{B}));
  EXPECT_NEAR(beam.log_prob, std::log(0.4 * 0.9), 1e-5);
  EXPECT_GT(beam.score, greedy.score);
}

TEST(BeamSearch, BeamSizeOneEqualsGreedyOnTheTable) {
  test::TableStepModel model(garden_path_table());
  auto [src, len] = test::source_batch({{4, 5, 6}, {7}});
  const auto greedy = GreedySearch(model, with(1)).search(src, len);
  const auto beam = BeamSearch(model, with(1)).search(src, len);
  for (size_t i = 0; i < greedy.size(); ++i) {
    ASSERT_EQ(beam[i].size(), 1u);
    EXPECT_EQ(beam[i][0].tokens, greedy[i].tokens);
    EXPECT_EQ(beam[i][0].log_prob, greedy[i].log_prob);
  }
}

TEST(BeamSearch, NBestIsSortedDistinctAndScoredExactly) {
  test::TableStepModel model(garden_path_table());
  auto [src, len] = test::source_batch({{4, 5, 6}});
  SearchOptions o = with(3, 3, LengthPenalty::gnmt);
  o.alpha = 1.0;
  const auto nbest = BeamSearch(model, o).search(src, len)[0];
  ASSERT_EQ(nbest.size(), 3u);
  const auto table = garden_path_table().to(torch::kDouble);
  std::set<std::vector<int64_t>> seen;
  for (size_t i = 0; i < nbest.size(); ++i) {
    const Hypothesis& h = nbest[i];
    EXPECT_TRUE(seen.insert(h.tokens).second) << "duplicate hypothesis " << i;
    if (i > 0) {
      EXPECT_GE(nbest[i - 1].score, h.score);
    }
    double lp = 0;
    int64_t prev = kBosId;
    for (int64_t t : h.tokens) lp += table[prev][t].item<double>(), prev = t;
    lp += table[prev][kEosId].item<double>();
    EXPECT_NEAR(h.log_prob, lp, 1e-5);
    const double n = static_cast<double>(h.tokens.size() + 1);
    EXPECT_NEAR(h.score, lp / ((5 + n) / 6), 1e-5);
  }
  EXPECT_EQ(nbest[0].tokens, (std::vector<int64_t>{B}));
  // n_best 1 of the same search is the head of that list.
  EXPECT_EQ(BeamSearch(model, with(3, 1, LengthPenalty::gnmt)).search(src, len)[0].size(), 1u);
}

TEST(BeamSearch, LengthNormalisationCanPreferALongerOutput) {
  // <s> </s> directly (0.45), or <s> A B C </s> (0.55 * 0.9^3 = 0.40). Explicit tiny </s>
  // probabilities keep </s> out of ties with the leftover mass.
  test::TableStepModel model(test::bigram_table(kV, {{kBosId, {{kEosId, 0.45}, {A, 0.55}}},
                                                     {A, {{B, 0.9}, {kEosId, 1e-4}}},
                                                     {B, {{C, 0.9}, {kEosId, 1e-4}}},
                                                     {C, {{kEosId, 0.9}}}}));
  auto [src, len] = test::source_batch({{4, 5, 6}});
  // Raw: </s> alone, log 0.45 = -0.80, beats A B C </s>, log 0.40 = -0.91.
  EXPECT_TRUE(BeamSearch(model, with(2, 1, LengthPenalty::none)).search(src, len)[0][0].tokens.empty());
  // power, alpha 1 (mean per token): -0.80 / 1 vs -0.91 / 4: the longer one wins.
  SearchOptions o = with(2, 1, LengthPenalty::power);
  o.alpha = 1.0;
  EXPECT_EQ(BeamSearch(model, o).search(src, len)[0][0].tokens, (std::vector<int64_t>{A, B, C}));
}

TEST(BeamSearch, MaxLengthIsRespectedAndForcedEndsAreMarked) {
  std::map<int64_t, std::map<int64_t, double>> rows;
  for (int64_t p = 0; p < kV; ++p) rows[p] = {{A, 0.5}, {B, 0.3}, {kEosId, 1e-4}};
  test::TableStepModel model(test::bigram_table(kV, rows));
  auto [src, len] = test::source_batch({{4}, {4, 5, 6}, {4, 5, 6, 7, 4}});
  SearchOptions o = with(3, 3);
  o.max_length_ratio = 1.5;
  o.max_length_offset = 2;
  o.keep_attention = true;
  const auto out = BeamSearch(model, o).search(src, len);
  const std::vector<size_t> expected = {3, 6, 9};
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_EQ(out[i].size(), 3u);
    for (const Hypothesis& h : out[i]) {
      EXPECT_EQ(h.tokens.size(), expected[i]);
      EXPECT_TRUE(h.reached_max_length);
      EXPECT_EQ(h.attention.sizes(), (std::vector<int64_t>{static_cast<int64_t>(expected[i]) + 1,
                                                           len[i].item<int64_t>()}));
    }
    EXPECT_EQ(out[i][0].tokens, std::vector<int64_t>(expected[i], A));
  }
}

TEST(BeamSearch, StopsOnceBeamSizeHypothesesHaveEnded) {
  // Everything ends at the second token: 3 finished after two steps, no third step.
  std::map<int64_t, std::map<int64_t, double>> rows;
  rows[kBosId] = {{A, 0.4}, {B, 0.3}, {C, 0.2}};
  for (int64_t p : {A, B, C, D}) rows[p] = {{kEosId, 0.97}};
  test::TableStepModel model(test::bigram_table(kV, rows));
  auto [src, len] = test::source_batch({{4, 5}});
  const auto out = BeamSearch(model, with(3, 3)).search(src, len)[0];
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].tokens, (std::vector<int64_t>{A}));
  EXPECT_EQ(out[1].tokens, (std::vector<int64_t>{B}));
  EXPECT_EQ(out[2].tokens, (std::vector<int64_t>{C}));
  for (const auto& h : out) EXPECT_FALSE(h.reached_max_length);
  EXPECT_EQ(model.calls, 2);
}

TEST(BeamSearch, RealModelBeamSizeOneEqualsGreedyExactly) {
  for (const std::string cell : {"gru", "lstm"}) {
    Seq2Seq net = test::search_model(cell, 11);
    Seq2SeqStepModel model(net);
    SearchOptions o = with(1, 1, LengthPenalty::gnmt);
    o.keep_attention = true;
    auto [src, len] = test::source_batch(test::search_sources());
    const auto greedy = GreedySearch(model, o).search(src, len);
    const auto beam = BeamSearch(model, o).search(src, len);
    for (size_t i = 0; i < greedy.size(); ++i) {
      ASSERT_EQ(beam[i].size(), 1u);
      EXPECT_EQ(beam[i][0].tokens, greedy[i].tokens) << cell << " row " << i;
      EXPECT_EQ(beam[i][0].log_prob, greedy[i].log_prob) << cell << " row " << i;
      EXPECT_EQ(beam[i][0].score, greedy[i].score);
      EXPECT_EQ(beam[i][0].reached_max_length, greedy[i].reached_max_length);
      EXPECT_TRUE(beam[i][0].attention.equal(greedy[i].attention));
    }
  }
}

TEST(BeamSearch, RealModelBatchedEqualsOneByOne) {
  for (const std::string cell : {"gru", "lstm"}) {
    Seq2Seq net = test::search_model(cell, 5);
    Seq2SeqStepModel model(net);
    SearchOptions o = with(4, 4, LengthPenalty::gnmt);
    o.keep_attention = true;
    const auto sources = test::search_sources();
    auto [src, len] = test::source_batch(sources, /*min_cols=*/9);  // extra padding too
    const auto batched = BeamSearch(model, o).search(src, len);
    for (size_t i = 0; i < sources.size(); ++i) {
      auto [s1, l1] = test::source_batch({sources[i]});
      const auto single = BeamSearch(model, o).search(s1, l1)[0];
      ASSERT_EQ(batched[i].size(), single.size()) << cell << " row " << i;
      for (size_t j = 0; j < single.size(); ++j) {
        EXPECT_EQ(batched[i][j].tokens, single[j].tokens) << cell << " row " << i << " hyp " << j;
        EXPECT_NEAR(batched[i][j].score, single[j].score, 1e-4);
        EXPECT_TRUE(batched[i][j].attention.allclose(single[j].attention, 1e-5, 1e-5));
      }
    }
  }
}

TEST(BeamSearch, RealModelScoresEqualTeacherForcedLogProbs) {
  // Every n-best entry's log_prob is what the model assigns to that output when fed it
  // whole (forward), so beams really carry the state and history of their own tokens.
  for (const std::string cell : {"gru", "lstm"}) {
    Seq2Seq net = test::search_model(cell, 3, /*eos_bias=*/0.0);  // long outputs
    Seq2SeqStepModel model(net);
    const auto sources = test::search_sources();
    auto [src, len] = test::source_batch(sources);
    const auto out = BeamSearch(model, with(4, 4, LengthPenalty::gnmt)).search(src, len);
    size_t longest = 0;
    for (size_t i = 0; i < sources.size(); ++i) {
      ASSERT_EQ(out[i].size(), 4u);
      for (const Hypothesis& h : out[i]) {
        longest = std::max(longest, h.tokens.size());
        const test::Batch b = test::make_batch({sources[i]}, {h.tokens});
        torch::NoGradGuard no_grad;
        const auto logits = net->forward(b.src, b.src_lengths, b.tgt_in).logits;  // (1, T, V)
        const double expected =
            logits.log_softmax(-1).gather(2, b.tgt_out.unsqueeze(2)).sum().item<double>();
        EXPECT_NEAR(h.log_prob, expected, 1e-4) << cell << " row " << i;
      }
    }
    EXPECT_GE(longest, 4u) << cell << ": the fixture should produce multi-step beams";
  }
}

TEST(BeamSearch, RejectsBadOptions) {
  test::TableStepModel model(garden_path_table());
  EXPECT_THROW(BeamSearch(model, with(0)), Error);
  EXPECT_THROW(BeamSearch(model, with(2, 3)), Error);
  SearchOptions o = with(2);
  o.max_length_ratio = -1;
  EXPECT_THROW(BeamSearch(model, o), Error);
}

}  // namespace
}  // namespace s2s
