// Specification of smoothed_cross_entropy: per-row label-smoothed cross entropy with one pass
// forward and one backward per row on the CPU, the same numbers and gradients as LibTorch's
// log_softmax composition, pad rows never read.
#include "model/fused/SmoothedCrossEntropy.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>
#include <vector>

#include "core/Error.h"

namespace s2s {
namespace {

constexpr int64_t kPad = 0;

struct Case {
  torch::Tensor scores, targets;  // (N, V) leaf, (N) with some pad rows
};

Case random_case(int64_t N, int64_t V, torch::Dtype dtype, uint64_t seed) {
  torch::manual_seed(seed);
  auto targets = torch::randint(1, V, {N}, torch::kLong);
  targets.index_put_({torch::arange(0, N, 5)}, kPad);  // every fifth row is padding
  return {(3 * torch::randn({N, V}, torch::TensorOptions().dtype(dtype))).requires_grad_(), targets};
}

// loss, nll and the scores' gradient for a fixed random weighting of the rows' losses.
std::vector<torch::Tensor> run(const Case& c, double eps, bool fused, const torch::Tensor& weights) {
  c.scores.mutable_grad() = torch::Tensor();
  const auto rows = fused ? smoothed_cross_entropy(c.scores, c.targets, eps, kPad)
                          : smoothed_cross_entropy_composed(c.scores, c.targets, eps, kPad);
  EXPECT_FALSE(rows.nll.requires_grad());
  (rows.loss * weights).sum().backward();
  return {rows.loss.detach(), rows.nll, c.scores.grad().clone()};
}

void expect_close(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b, double tolerance) {
  const char* names[] = {"loss", "nll", "gradient"};
  for (size_t i = 0; i < a.size(); ++i) {
    const double scale = b[i].abs().max().item<double>();
    EXPECT_GT(scale, 0.0) << names[i];
    EXPECT_LE((a[i] - b[i]).abs().max().item<double>(), tolerance * scale) << names[i];
  }
}

TEST(SmoothedCrossEntropy, EqualsTheLogSoftmaxCompositionInDoublePrecision) {
  // V = 37: rows end in a partial vector.
  const auto c = random_case(23, 37, torch::kDouble, 1);
  const auto weights = torch::rand({23}, torch::kDouble);
  for (const double eps : {0.0, 0.1, 0.5}) {
    expect_close(run(c, eps, true, weights), run(c, eps, false, weights), 1e-12);
  }
}

TEST(SmoothedCrossEntropy, InSinglePrecisionIsAsCloseToTheExactValuesAsTheComposition) {
  // Over 8000 words both float32 computations round lse (about 12 here) to ~1e-6; hold the
  // fused one to the float64 values at the composition's own distance from them, and within
  // 1e-5 of the largest value (the equivalence tests' tolerance).
  const auto c = random_case(64, 8000, torch::kFloat, 2);
  const auto weights = torch::rand({64});
  const Case exact_case{c.scores.detach().to(torch::kDouble).requires_grad_(), c.targets};
  const auto exact = run(exact_case, 0.1, false, weights.to(torch::kDouble));
  const auto fused = run(c, 0.1, true, weights), composed = run(c, 0.1, false, weights);
  for (size_t i = 0; i < exact.size(); ++i) {
    const double scale = exact[i].abs().max().item<double>();
    const double fused_error = (fused[i].to(torch::kDouble) - exact[i]).abs().max().item<double>();
    const double composed_error = (composed[i].to(torch::kDouble) - exact[i]).abs().max().item<double>();
    EXPECT_LE(fused_error, 1e-5 * scale) << i;
    EXPECT_LE(fused_error, 2 * composed_error + 1e-7 * scale) << i << ": composition's error " << composed_error;
  }
}

TEST(SmoothedCrossEntropy, PadRowsAreNeverReadAndGetZeroLossAndGradient) {
  auto c = random_case(10, 16, torch::kFloat, 3);
  {
    torch::NoGradGuard no_grad;
    c.scores[0].fill_(std::numeric_limits<float>::quiet_NaN());  // row 0 is a pad row
    c.scores[5].fill_(std::numeric_limits<float>::infinity());   // so is row 5
  }
  const auto out = run(c, 0.1, true, torch::ones({10}));
  EXPECT_EQ(out[0][0].item<float>(), 0.0f);
  EXPECT_EQ(out[1][5].item<float>(), 0.0f);
  EXPECT_TRUE(torch::isfinite(out[0]).all().item<bool>());
  EXPECT_TRUE(torch::equal(out[2][0], torch::zeros({16})));
  EXPECT_TRUE(torch::equal(out[2][5], torch::zeros({16})));
  EXPECT_GT(out[2][1].abs().sum().item<float>(), 0.0f);
}

TEST(SmoothedCrossEntropy, ATargetOutsideTheVocabularyIsAnErrorNotARead) {
  const auto scores = torch::randn({3, 8});
  const auto targets = torch::tensor({1, 8, 2}, torch::kLong);
  try {
    smoothed_cross_entropy(scores, targets, 0.1, kPad);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[0, 8)"), std::string::npos) << e.what();
  }
}

TEST(SmoothedCrossEntropy, DoesNotDependOnTheThreadCount) {
  const auto c = random_case(96, 500, torch::kFloat, 4);
  const auto weights = torch::rand({96});
  const int threads = torch::get_num_threads();
  torch::set_num_threads(1);
  const auto one = run(c, 0.1, true, weights);
  torch::set_num_threads(2);
  const auto two = run(c, 0.1, true, weights);
  torch::set_num_threads(threads);
  for (size_t i = 0; i < one.size(); ++i) EXPECT_TRUE(torch::equal(one[i], two[i])) << i;
}

}  // namespace
}  // namespace s2s
