// Specification of AttentionContexts: at every step the same context as the plain bmm, and
// after a backward through a recurrence of its steps the same gradients for the attention
// weights and the annotations (also when the annotations are used outside the steps, and
// when they are computed from parameters) as autograd's per-step bmm, up to summation order
// (float64, 1e-12 relative). Where nothing is recorded it is the plain bmm.
#include <gtest/gtest.h>

#include <vector>

#include "model/fused/AttentionContexts.h"
#include "tests/model/ModelTestUtil.h"

namespace s2s {
namespace {

constexpr int64_t kRows = 3, kSource = 5, kWidth = 4, kSteps = 4;

torch::Tensor plain(const torch::Tensor& weights, const torch::Tensor& annotations) {
  return torch::bmm(weights.unsqueeze(1), annotations).squeeze(1);  // (B, K)
}

// A recurrence whose attention weights depend on the previous context:
// alpha_t = softmax(h . (c_{t-1} * x_t)), c_t = sum_j alpha_tj h_j, with h = tanh(P) from a
// parameter P, as annotations are computed from the encoder's.
struct Recurrence {
  torch::Tensor p = torch::randn({kRows, kSource, kWidth}, torch::kFloat64).requires_grad_();  // (B, T_src, K)
  torch::Tensor c0 = torch::randn({kRows, kWidth}, torch::kFloat64).requires_grad_();          // (B, K)
  torch::Tensor xs = torch::randn({kSteps, kRows, kWidth}, torch::kFloat64);                   // (T, B, K)

  // The loss after kSteps steps, each context by `context`; extra adds a direct use of the
  // annotations outside the steps.
  template <class Context>
  torch::Tensor loss(const Context& context, const torch::Tensor& h, bool extra) const {
    torch::Tensor c = c0;
    torch::Tensor total = torch::zeros({}, torch::kFloat64);
    for (int64_t t = 0; t < kSteps; ++t) {
      const auto alpha = torch::softmax(torch::bmm(h, (c * xs[t]).unsqueeze(2)).squeeze(2), -1);  // (B, T_src)
      c = context(alpha);
      total = total + (c * c).sum() * (t + 1);
    }
    return extra ? total + h.pow(3).sum() : total;
  }

  std::vector<torch::Tensor> grads(const torch::Tensor& loss) {
    for (auto* t : {&p, &c0}) t->mutable_grad() = torch::Tensor();
    loss.backward();
    return {p.grad().clone(), c0.grad().clone()};
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

TEST(AttentionContexts, EachStepIsTheWeightedSumOfTheAnnotations) {
  test::deterministic();
  const auto annotations = torch::randn({kRows, kSource, kWidth}, torch::kFloat64).requires_grad_();
  const AttentionContexts context(annotations);
  ASSERT_TRUE(context.deferred());
  for (int t = 0; t < 3; ++t) {
    const auto weights = torch::softmax(torch::randn({kRows, kSource}, torch::kFloat64), -1);
    const auto c = context(weights);
    EXPECT_TRUE(torch::allclose(c, plain(weights, annotations), 1e-14, 1e-14));
    EXPECT_TRUE(torch::allclose(c[1], (weights[1].unsqueeze(1) * annotations[1]).sum(0), 1e-14, 1e-14));
  }
}

TEST(AttentionContexts, GradientsThroughARecurrenceEqualAutogradsPerStepProducts) {
  test::deterministic();
  Recurrence r;
  for (const bool extra : {false, true}) {
    SCOPED_TRACE(extra ? "annotations also used outside the steps" : "annotations used by the steps only");
    const auto h = torch::tanh(r.p);
    const auto want = r.grads(r.loss([&](const torch::Tensor& alpha) { return plain(alpha, h); }, h, extra));
    const auto deferred_h = torch::tanh(r.p);
    const AttentionContexts context(deferred_h);
    ASSERT_TRUE(context.deferred());
    expect_same(r.grads(r.loss(context, deferred_h, extra)), want);
  }
}

TEST(AttentionContexts, ABackwardRunTwiceOnARetainedGraphAddsTheGradientTwice) {
  test::deterministic();
  Recurrence r;
  const auto h = torch::tanh(r.p);
  const auto loss = r.loss(AttentionContexts(h), h, false);
  loss.backward({}, /*retain_graph=*/true);
  const auto once = r.p.grad().clone();
  loss.backward();
  EXPECT_TRUE(torch::allclose(r.p.grad(), 2 * once, 1e-12, 1e-12));
}

TEST(AttentionContexts, IsThePlainProductWhereNoGradientIsRecorded) {
  test::deterministic();
  const auto annotations = torch::randn({kRows, kSource, kWidth}, torch::kFloat64).requires_grad_();
  {
    torch::NoGradGuard no_grad;
    EXPECT_FALSE(AttentionContexts(annotations).deferred());
  }
  EXPECT_FALSE(AttentionContexts(annotations.detach()).deferred());
  // The weights still get their gradient when the annotations need none.
  const auto weights = torch::rand({kRows, kSource}, torch::kFloat64).requires_grad_();
  AttentionContexts(annotations.detach())(weights).sum().backward();
  EXPECT_TRUE(torch::allclose(weights.grad(), annotations.detach().sum(2), 1e-14, 1e-14));
}

}  // namespace
}  // namespace s2s
