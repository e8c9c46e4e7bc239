// Specification of LabelSmoothedLoss (PyTorch's formulation, eps over all V classes):
//   loss_i = (1 - eps) * nll_i + eps / V * sum_v(-log p_v),  summed over non-pad targets,
// with nll_sum the plain negative log-likelihood and tokens the number of non-pad targets.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fmt/format.h>

#include <cmath>

#include "tests/model/ModelTestUtil.h"
#include "core/Error.h"
#include "model/LabelSmoothedLoss.h"
#include "tests/support/PythonOracle.h"
#include "tests/support/ScratchDir.h"

namespace s2s {
namespace {

namespace F = torch::nn::functional;

TEST(LabelSmoothedLoss, HandComputedExample) {
  // One non-pad target over V = 4 with p = (0.1, 0.2, 0.3, 0.4), target id 3, eps = 0.2;
  // the second position is padding.
  const auto logits = torch::log(torch::tensor({0.1, 0.2, 0.3, 0.4, 0.25, 0.25, 0.25, 0.25},
                                               torch::kDouble))
                          .view({1, 2, 4});
  const auto targets = torch::tensor({3, 0}, torch::kLong).view({1, 2});
  const auto out = LabelSmoothedLoss(0.2)(logits, targets);
  const double nll = -std::log(0.4);
  const double smooth = -(std::log(0.1) + std::log(0.2) + std::log(0.3) + std::log(0.4));
  EXPECT_EQ(out.tokens, 1);
  EXPECT_NEAR(out.nll_sum.item<double>(), nll, 1e-12);
  EXPECT_NEAR(out.loss_sum.item<double>(), 0.8 * nll + 0.2 / 4.0 * smooth, 1e-12);
}

TEST(LabelSmoothedLoss, WithoutSmoothingEqualsCrossEntropySummedOverNonPadTargets) {
  test::deterministic();
  const auto logits = torch::randn({3, 5, 11});
  auto targets = torch::randint(1, 11, {3, 5}, torch::kLong);
  targets[0][4] = kPadId;
  targets[1].narrow(0, 2, 3).fill_(kPadId);
  const auto out = LabelSmoothedLoss(0.0)(logits, targets);
  const auto reference = F::cross_entropy(
      logits.view({-1, 11}), targets.view({-1}),
      F::CrossEntropyFuncOptions().ignore_index(kPadId).reduction(torch::kSum));
  EXPECT_EQ(out.tokens, 15 - 1 - 3);
  EXPECT_NEAR(out.loss_sum.item<double>(), reference.item<double>(), 1e-4);
  EXPECT_NEAR(out.nll_sum.item<double>(), reference.item<double>(), 1e-4);
}

// Against PyTorch itself (the venv's python torch, an independent implementation):
// F.cross_entropy(label_smoothing=eps, ignore_index=pad, reduction='sum') in float64.
TEST(LabelSmoothedLoss, EqualsPyTorchsCrossEntropyWithLabelSmoothing) {
  test::deterministic();
  const int64_t V = 9;
  const auto logits = torch::randn({2, 5, V}, torch::kDouble);
  auto targets = torch::randint(1, V, {2, 5}, torch::kLong);
  targets[0][3] = kPadId;
  targets[1][4] = kPadId;
  std::string values, ids;
  const auto l = logits.contiguous();
  for (int64_t i = 0; i < l.numel(); ++i) values += fmt::format("{}{:.17g}", i ? "," : "", l.data_ptr<double>()[i]);
  for (int64_t i = 0; i < targets.numel(); ++i) ids += fmt::format("{}{}", i ? "," : "", targets.data_ptr<int64_t>()[i]);
  test::ScratchDir scratch("s2s-ls-oracle");
  for (const double eps : {0.0, 0.1, 0.3}) {
    const std::string out = test::run_python(
        "import torch\nimport torch.nn.functional as F\n"
        "x = torch.tensor([" + values + "], dtype=torch.float64).view(-1, " + std::to_string(V) + ")\n"
        "y = torch.tensor([" + ids + "], dtype=torch.int64)\n"
        "print(repr(F.cross_entropy(x, y, ignore_index=" + std::to_string(kPadId) + ", reduction='sum', "
        "label_smoothing=" + fmt::format("{}", eps) + ").item()))\n",
        scratch.path());
    double expected = 0;
    ASSERT_NO_THROW(expected = std::stod(out)) << out;
    const auto ours = LabelSmoothedLoss(eps)(logits, targets);
    EXPECT_NEAR(ours.loss_sum.item<double>(), expected, 1e-12 * std::abs(expected)) << "eps " << eps;
  }
}

// Against the formula evaluated element by element in double precision, independently of
// any tensor reduction.
TEST(LabelSmoothedLoss, WithSmoothingFollowsTheFormula) {
  test::deterministic();
  const int64_t V = 7;
  const double eps = 0.15;
  const auto logits = torch::randn({4, 3, V});
  auto targets = torch::randint(0, V, {4, 3}, torch::kLong);
  targets[2][1] = kPadId;
  targets[3][2] = kPadId;
  const auto out = LabelSmoothedLoss(eps)(logits, targets);

  const auto l = logits.to(torch::kDouble).contiguous();
  auto acc = l.accessor<double, 3>();
  auto tgt = targets.accessor<int64_t, 2>();
  double loss = 0.0, nll_sum = 0.0;
  int64_t tokens = 0;
  for (int64_t b = 0; b < 4; ++b) {
    for (int64_t t = 0; t < 3; ++t) {
      if (tgt[b][t] == kPadId) continue;
      double z = 0.0;
      for (int64_t v = 0; v < V; ++v) z += std::exp(acc[b][t][v]);
      const double log_z = std::log(z);
      double sum_neg_log_p = 0.0;
      for (int64_t v = 0; v < V; ++v) sum_neg_log_p += log_z - acc[b][t][v];
      const double nll = log_z - acc[b][t][tgt[b][t]];
      loss += (1.0 - eps) * nll + eps / V * sum_neg_log_p;
      nll_sum += nll;
      ++tokens;
    }
  }
  EXPECT_EQ(out.tokens, tokens);
  EXPECT_NEAR(out.loss_sum.item<double>(), loss, 1e-4);
  EXPECT_NEAR(out.nll_sum.item<double>(), nll_sum, 1e-4);
}

TEST(LabelSmoothedLoss, PadTargetsContributeNothingAndGetNoGradient) {
  test::deterministic();
  auto logits = torch::randn({2, 4, 6}).requires_grad_(true);
  const auto targets = torch::tensor({{4, 5, 0, 0}, {3, 0, 0, 0}}, torch::kLong);
  const auto out = LabelSmoothedLoss(0.1)(logits, targets);
  out.loss_sum.backward();
  EXPECT_EQ(out.tokens, 3);
  EXPECT_TRUE((logits.grad()[0].narrow(0, 2, 2) == 0).all().item<bool>());
  EXPECT_TRUE((logits.grad()[1].narrow(0, 1, 3) == 0).all().item<bool>());
  EXPECT_TRUE((logits.grad()[0][0] != 0).any().item<bool>());

  // Changing the scores at pad positions, even to huge values, changes nothing.
  auto other = logits.detach().clone();
  other[0].narrow(0, 2, 2).fill_(1e30);
  other[1].narrow(0, 1, 3).normal_();
  const auto again = LabelSmoothedLoss(0.1)(other, targets);
  EXPECT_EQ(again.loss_sum.item<double>(), out.loss_sum.item<double>());
}

TEST(LabelSmoothedLoss, ReturnsSumsNotMeansAndOnlyTheLossIsDifferentiable) {
  test::deterministic();
  auto logits = torch::randn({2, 3, 5}).requires_grad_(true);
  const auto targets = torch::tensor({{4, 2, 0}, {3, 1, 1}}, torch::kLong);
  LabelSmoothedLoss loss(0.1);
  const auto both = loss(logits, targets);
  const auto first = loss(logits.narrow(0, 0, 1), targets.narrow(0, 0, 1));
  const auto second = loss(logits.narrow(0, 1, 1), targets.narrow(0, 1, 1));
  EXPECT_NEAR(both.loss_sum.item<double>(),
              first.loss_sum.item<double>() + second.loss_sum.item<double>(), 1e-5);
  EXPECT_EQ(both.tokens, first.tokens + second.tokens);
  EXPECT_EQ(both.loss_sum.dim(), 0);
  EXPECT_TRUE(both.loss_sum.requires_grad());
  EXPECT_FALSE(both.nll_sum.requires_grad());
}

TEST(LabelSmoothedLoss, RejectsBadInput) {
  const auto logits = torch::randn({2, 3, 5});
  const auto targets = torch::tensor({{4, 2, 0}, {3, 1, 1}}, torch::kLong);
  LabelSmoothedLoss loss(0.1);
  EXPECT_THROW(loss(logits, targets.to(torch::kInt)), Error);          // dtype
  EXPECT_THROW(loss(logits, targets.narrow(1, 0, 2)), Error);          // shape
  EXPECT_THROW(loss(logits, torch::full({2, 3}, 5, torch::kLong)), Error);  // id == V
  EXPECT_THROW(loss(logits, torch::full({2, 3}, -1, torch::kLong)), Error);
  EXPECT_THROW(loss(logits.to(torch::kLong), targets), Error);        // integer logits
  EXPECT_THROW(LabelSmoothedLoss(1.0), Error);
  EXPECT_THROW(LabelSmoothedLoss(-0.1), Error);
}

}  // namespace
}  // namespace s2s
