// Specification: padding never leaks. A sentence pair gets the same logits, attention and
// loss alone as batched with pairs whose source AND target are longer (so that it is padded
// on both sides), whatever row it sits in, and whatever ids the padding holds.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <tuple>

#include "tests/model/ModelTestUtil.h"
#include "model/LabelSmoothedLoss.h"
#include "model/Seq2Seq.h"

namespace s2s {
namespace {

// (cell, encoder_layers, decoder_layers)
using Config = std::tuple<std::string, int, int>;

class PaddingInvariance : public ::testing::TestWithParam<Config> {
 protected:
  Seq2Seq make_model() {
    test::deterministic();
    auto options = test::tiny_options(std::get<0>(GetParam()), std::get<1>(GetParam()),
                                      std::get<2>(GetParam()));
    options.dropout = 0.3;  // present but off: eval() mode
    Seq2Seq model(options, 13, 12);
    model->eval();
    return model;
  }
};

constexpr double kTol = 1e-6;

TEST_P(PaddingInvariance, PairAloneEqualsPairBatchedWithLongerSourcesAndTargets) {
  auto model = make_model();
  const std::vector<int64_t> x = {4, 9, 6};      // the pair under test: 3 source tokens,
  const std::vector<int64_t> y = {5, 10, 7};     // 4 target steps (with <s> / </s>)
  const auto alone = test::make_batch({x}, {y});
  // Row 1: a longer source before it and a longer target after it; unsorted lengths.
  const auto batched = test::make_batch({{4, 5, 6, 7, 8, 9, 10, 11}, x, {12, 4}},
                                        {{6}, y, {4, 5, 6, 7, 8, 9, 10, 11}});
  ASSERT_EQ(batched.src.size(1), 8);
  ASSERT_EQ(batched.tgt_in.size(1), 9);

  const auto a = model->forward(alone.src, alone.src_lengths, alone.tgt_in);
  const auto b = model->forward(batched.src, batched.src_lengths, batched.tgt_in);
  const int64_t T_tgt = alone.tgt_in.size(1), T_src = alone.src.size(1);

  const auto logits_b = b.logits[1].narrow(0, 0, T_tgt);  // (4, V)
  EXPECT_TRUE(torch::allclose(a.logits[0], logits_b, 0.0, kTol))
      << "max diff " << (a.logits[0] - logits_b).abs().max().item<double>();

  const auto attention_b = b.attention[1].narrow(0, 0, T_tgt);  // (4, 8)
  EXPECT_TRUE(torch::allclose(a.attention[0], attention_b.narrow(1, 0, T_src), 0.0, kTol));
  EXPECT_TRUE((attention_b.narrow(1, T_src, 8 - T_src) == 0.0f).all().item<bool>());

  LabelSmoothedLoss loss(0.1);
  const auto loss_a = loss(a.logits, alone.tgt_out);
  const auto loss_b = loss(b.logits.narrow(0, 1, 1), batched.tgt_out.narrow(0, 1, 1));
  EXPECT_EQ(loss_a.tokens, 4);
  EXPECT_EQ(loss_b.tokens, 4);
  EXPECT_NEAR(loss_a.loss_sum.item<double>(), loss_b.loss_sum.item<double>(), kTol);
  EXPECT_NEAR(loss_a.nll_sum.item<double>(), loss_b.nll_sum.item<double>(), kTol);
}

TEST_P(PaddingInvariance, BatchLossIsTheSumOfTheLossesOfItsPairsAlone) {
  auto model = make_model();
  const std::vector<std::vector<int64_t>> xs = {{4, 5, 6, 7, 8}, {9}, {10, 11, 12}};
  const std::vector<std::vector<int64_t>> ys = {{6, 7}, {4, 5, 8, 9, 10, 11}, {11}};
  LabelSmoothedLoss loss(0.1);
  const auto batched = test::make_batch(xs, ys);
  const auto total = loss(model->forward(batched.src, batched.src_lengths, batched.tgt_in).logits,
                          batched.tgt_out);
  double sum = 0.0;
  int64_t tokens = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const auto one = test::make_batch({xs[i]}, {ys[i]});
    const auto l = loss(model->forward(one.src, one.src_lengths, one.tgt_in).logits, one.tgt_out);
    sum += l.loss_sum.item<double>();
    tokens += l.tokens;
  }
  EXPECT_EQ(total.tokens, tokens);
  EXPECT_EQ(tokens, 3 + 7 + 2);
  EXPECT_NEAR(total.loss_sum.item<double>(), sum, 1e-5);
}

// Packing must mean the padding is never read, not merely that it embeds to zero.
TEST_P(PaddingInvariance, IdsInTheSourcePaddingAreNeverRead) {
  auto model = make_model();
  const auto batch = test::make_batch({{4, 5}, {6, 7, 8, 9, 10, 11}}, {{5, 6, 7}, {8}});
  auto garbage = batch.src.clone();
  garbage[0].narrow(0, 2, 4).copy_(torch::tensor({12, 11, 10, 9}));
  const auto clean = model->forward(batch.src, batch.src_lengths, batch.tgt_in);
  const auto dirty = model->forward(garbage, batch.src_lengths, batch.tgt_in);
  EXPECT_TRUE(torch::equal(clean.logits, dirty.logits));
  EXPECT_TRUE(torch::equal(clean.attention, dirty.attention));
}

// The backward direction of the encoder starts at each sentence's own last token, and the
// annotations of padded positions are zero.
TEST_P(PaddingInvariance, AnnotationsOfASentenceDoNotDependOnTheBatchPadding) {
  auto model = make_model();
  const auto alone = test::make_batch({{4, 9, 6}}, {{5}});
  const auto batched = test::make_batch({{7, 8, 9, 10, 11, 12}, {4, 9, 6}}, {{5}, {5}});
  const auto a = model->encode(alone.src, alone.src_lengths);
  const auto b = model->encode(batched.src, batched.src_lengths);
  EXPECT_TRUE(torch::allclose(a.annotations[0], b.annotations[1].narrow(0, 0, 3), 0.0, kTol));
  EXPECT_TRUE(torch::allclose(a.keys[0], b.keys[1].narrow(0, 0, 3), 0.0, kTol));
  EXPECT_TRUE((b.annotations[1].narrow(0, 3, 3) == 0.0f).all().item<bool>());
  EXPECT_TRUE(torch::equal(b.mask[1], torch::tensor({1, 1, 1, 0, 0, 0}, torch::kBool)));
  EXPECT_TRUE(torch::allclose(model->initial_state(a).hidden,
                              model->initial_state(b).hidden.narrow(1, 1, 1), 0.0, kTol));
}

INSTANTIATE_TEST_SUITE_P(Cells, PaddingInvariance,
                         ::testing::Values(Config{"gru", 1, 1}, Config{"lstm", 1, 1},
                                           Config{"gru", 2, 3}, Config{"lstm", 3, 2}),
                         [](const ::testing::TestParamInfo<Config>& info) {
                           return std::get<0>(info.param) + "_enc" +
                                  std::to_string(std::get<1>(info.param)) + "_dec" +
                                  std::to_string(std::get<2>(info.param));
                         });

}  // namespace
}  // namespace s2s
