// Specification of DeferredLinear: at every step the same function as F::linear, and after
// a backward through a recurrence of its steps the same gradients for the input, the weight
// (also when the weight is itself computed from parameters) and the bias as autograd's
// per-step products, up to summation order (float64, 1e-12 relative). Where nothing is
// recorded it is plain F::linear.
#include <gtest/gtest.h>

#include <vector>

#include "model/fused/DeferredLinear.h"
#include "tests/model/ModelTestUtil.h"

namespace s2s {
namespace {

namespace F = torch::nn::functional;

constexpr int64_t kRows = 3, kWidth = 5, kSteps = 4;

// Parameters of a small recurrence s_t = tanh(W_top s_{t-1} + b)[:, :kWidth] * x_t, where
// W_top = cat(W1, W2) is a derived weight (as the decoder's [W; W_hh]).
struct Recurrence {
  torch::Tensor w1 = torch::randn({2, kWidth}, torch::kFloat64).requires_grad_();       // (2, K)
  torch::Tensor w2 = torch::randn({kWidth + 1, kWidth}, torch::kFloat64).requires_grad_();  // (K+1, K)
  torch::Tensor bias = torch::randn({kWidth + 3}, torch::kFloat64).requires_grad_();    // (N)
  torch::Tensor s0 = torch::randn({kRows, kWidth}, torch::kFloat64).requires_grad_();   // (B, K)
  torch::Tensor xs = torch::randn({kSteps, kRows, kWidth}, torch::kFloat64);            // (T, B, K)

  // The loss after kSteps steps, each step's product by `linear`; extra adds a direct use
  // of the weight outside the steps.
  template <class Linear>
  torch::Tensor loss(const Linear& linear, const torch::Tensor& weight, bool extra) const {
    torch::Tensor s = s0;
    torch::Tensor total = torch::zeros({}, torch::kFloat64);
    for (int64_t t = 0; t < kSteps; ++t) {
      s = torch::tanh(linear(s)).narrow(1, 0, kWidth) * xs[t];
      total = total + (s * s).sum() * (t + 1);
    }
    return extra ? total + weight.pow(2).sum() : total;
  }

  std::vector<torch::Tensor> grads(const torch::Tensor& loss) {
    for (auto* p : {&w1, &w2, &bias, &s0}) p->mutable_grad() = torch::Tensor();
    loss.backward();
    return {w1.grad().clone(), w2.grad().clone(), bias.grad().clone(), s0.grad().clone()};
  }
};

void expect_same(const std::vector<torch::Tensor>& got, const std::vector<torch::Tensor>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(got[i].defined()) << "gradient " << i;
    EXPECT_TRUE(torch::allclose(got[i], want[i], 1e-12, 1e-12))
        << "gradient " << i << ": largest difference " << (got[i] - want[i]).abs().max().item<double>();
  }
}

TEST(DeferredLinear, EachStepIsTheLinearMapOfItsInput) {
  test::deterministic();
  const auto weight = torch::randn({4, 3}, torch::kFloat64).requires_grad_();
  const auto bias = torch::randn({4}, torch::kFloat64).requires_grad_();
  const DeferredLinear linear(weight, bias);
  ASSERT_TRUE(linear.deferred());
  for (int t = 0; t < 3; ++t) {
    const auto x = torch::randn({2, 3}, torch::kFloat64);
    EXPECT_TRUE(torch::allclose(linear(x), F::linear(x, weight, bias), 1e-14, 1e-14));
  }
  const DeferredLinear no_bias(weight, torch::Tensor());
  const auto x = torch::randn({2, 3}, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(no_bias(x), F::linear(x, weight), 1e-14, 1e-14));
}

TEST(DeferredLinear, GradientsThroughARecurrenceEqualAutogradsPerStepProducts) {
  test::deterministic();
  Recurrence r;
  for (const bool extra : {false, true}) {
    SCOPED_TRACE(extra ? "weight also used outside the steps" : "weight used by the steps only");
    const auto weight = torch::cat({r.w1, r.w2});  // (N, K): derived, as the decoder's
    const auto want = r.grads(r.loss([&](const torch::Tensor& s) { return F::linear(s, weight, r.bias); },
                                     weight, extra));
    const auto deferred_weight = torch::cat({r.w1, r.w2});
    const DeferredLinear linear(deferred_weight, r.bias);
    ASSERT_TRUE(linear.deferred());
    expect_same(r.grads(r.loss(linear, deferred_weight, extra)), want);
  }
}

TEST(DeferredLinear, ABackwardRunTwiceOnARetainedGraphAddsTheGradientTwice) {
  test::deterministic();
  Recurrence r;
  const auto weight = torch::cat({r.w1, r.w2});
  const DeferredLinear linear(weight, r.bias);
  const auto loss = r.loss(linear, weight, false);
  loss.backward({}, /*retain_graph=*/true);
  const auto once = r.w2.grad().clone();
  loss.backward();
  EXPECT_TRUE(torch::allclose(r.w2.grad(), 2 * once, 1e-12, 1e-12));
}

TEST(DeferredLinear, IsPlainLinearWhereNoGradientIsRecorded) {
  test::deterministic();
  const auto weight = torch::randn({4, 3}, torch::kFloat64).requires_grad_();
  {
    torch::NoGradGuard no_grad;
    EXPECT_FALSE(DeferredLinear(weight, torch::Tensor()).deferred());
  }
  EXPECT_FALSE(DeferredLinear(weight.detach(), torch::Tensor()).deferred());
  // The input still gets its gradient when the weight needs none.
  const auto x = torch::randn({2, 3}, torch::kFloat64).requires_grad_();
  DeferredLinear(weight.detach(), torch::Tensor())(x).sum().backward();
  EXPECT_TRUE(torch::allclose(x.grad(), weight.detach().sum(0).expand({2, 3}), 1e-14, 1e-14));
}

}  // namespace
}  // namespace s2s
