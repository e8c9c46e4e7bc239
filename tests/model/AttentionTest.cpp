// Specification: attention weights are a distribution over the real source tokens only.
// Padded positions get exactly zero weight (not merely a small one), in the teacher-forced
// pass, in step(), and in the BahdanauAttention module itself.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tests/model/ModelTestUtil.h"
#include "model/BahdanauAttention.h"
#include "model/Seq2Seq.h"

namespace s2s {
namespace {

// Checks rows of `weights` (B, T_q, T_src) against the real source lengths.
void expect_distribution_over_real_tokens(const torch::Tensor& weights,
                                          const torch::Tensor& lengths) {
  const int64_t B = weights.size(0);
  const int64_t T_src = weights.size(2);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = lengths[b].item<int64_t>();
    const auto real = weights[b].narrow(1, 0, n);  // (T_q, n)
    EXPECT_TRUE(torch::allclose(real.sum(1), torch::ones({weights.size(1)}), 1e-6, 1e-6))
        << "row " << b << " does not sum to 1 over its " << n << " real tokens";
    EXPECT_TRUE((real > 0).all().item<bool>()) << "a real token got zero weight in row " << b;
    if (n < T_src) {
      const auto pad = weights[b].narrow(1, n, T_src - n);
      EXPECT_TRUE((pad == 0.0f).all().item<bool>())
          << "padding got weight in row " << b << ": " << pad;
    }
  }
}

TEST(Attention, WeightsSumToOneOverRealTokensAndAreExactlyZeroOnPaddingInForward) {
  test::deterministic();
  for (const char* cell : {"gru", "lstm"}) {
    Seq2Seq model(test::tiny_options(cell, 2, 2), 12, 11);
    model->eval();
    const auto batch =
        test::make_batch({{4, 5, 6, 7, 8, 9}, {4}, {10, 11, 5}}, {{4, 5}, {6, 7, 8, 9}, {5}});
    const auto out = model->forward(batch.src, batch.src_lengths, batch.tgt_in);
    ASSERT_EQ(out.attention.sizes(), (std::vector<int64_t>{3, 5, 6}));
    expect_distribution_over_real_tokens(out.attention, batch.src_lengths);
  }
}

TEST(Attention, WeightsAreExactlyZeroOnPaddingInStep) {
  test::deterministic();
  Seq2Seq model(test::tiny_options("lstm"), 12, 11);
  model->eval();
  const auto batch = test::make_batch({{4, 5}, {6, 7, 8, 9, 10}}, {{4}, {5}});
  const auto encoded = model->encode(batch.src, batch.src_lengths);
  auto state = model->initial_state(encoded);
  auto tokens = torch::full({2}, kBosId, torch::kLong);
  for (int t = 0; t < 4; ++t) {
    const auto step = model->step(encoded, state, tokens);
    expect_distribution_over_real_tokens(step.attention.unsqueeze(1), batch.src_lengths);
    tokens = step.log_probs.argmax(-1);
    state = step.state;
  }
}

// The module on its own, with padding annotations made huge: if any weight leaked onto them
// the context would show it.
TEST(Attention, ContextIsTheWeightedSumOfRealAnnotationsOnly) {
  test::deterministic();
  BahdanauAttention attention(3, 4, 5);
  const auto annotations = torch::randn({2, 4, 4});
  annotations[0].narrow(0, 2, 2).fill_(1e6);  // row 0 has 2 real tokens
  const auto mask = torch::tensor({1, 1, 0, 0, 1, 1, 1, 1}, torch::kBool).view({2, 4});
  const auto query = torch::randn({2, 3});
  const auto [context, weights] =
      attention->forward(query, attention->keys(annotations), annotations, mask);
  expect_distribution_over_real_tokens(weights.unsqueeze(1), torch::tensor({2, 4}));
  const auto expected = (weights.unsqueeze(-1) * annotations.masked_fill(
                                                      mask.logical_not().unsqueeze(-1), 0.0))
                            .sum(1);  // (2, 4)
  EXPECT_TRUE(torch::allclose(context, expected, 1e-5, 1e-6)) << context << expected;
  EXPECT_LT(context.abs().max().item<double>(), 100.0);
}

// e_tj = v^T tanh(W s + U h_j): checked against a direct evaluation of the formula.
TEST(Attention, EnergiesFollowTheAdditiveFormula) {
  test::deterministic();
  BahdanauAttention attention(3, 4, 5);
  const auto annotations = torch::randn({1, 3, 4});
  const auto mask = torch::ones({1, 3}, torch::kBool);
  const auto query = torch::randn({1, 3});
  const auto [context, weights] =
      attention->forward(query, attention->keys(annotations), annotations, mask);
  const auto W = attention->W->weight, U = attention->U->weight, b = attention->U->bias;
  const auto v = attention->v->weight.view({-1});
  std::vector<double> e(3);
  for (int j = 0; j < 3; ++j) {
    const auto inner = torch::tanh(torch::mv(W, query[0]) + torch::mv(U, annotations[0][j]) + b);
    e[j] = torch::dot(v, inner).item<double>();
  }
  const double z = std::exp(e[0]) + std::exp(e[1]) + std::exp(e[2]);
  for (int j = 0; j < 3; ++j) {
    EXPECT_NEAR(weights[0][j].item<double>(), std::exp(e[j]) / z, 1e-6);
  }
}

}  // namespace
}  // namespace s2s
