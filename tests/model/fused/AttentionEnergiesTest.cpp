// Specification of AttentionEnergies: on the CPU the fused kernel computes the same energies
// as the LibTorch composition v(tanh(q + keys)).masked_fill(padding, -inf), and after a
// backward through several steps that share the keys, the same gradients for the queries,
// the keys (summed over the steps, also when a second backward runs on a retained graph) and
// v: float64 to 1e-12, float32 to 1e-5 (relative to the largest entry). Its numbers do not
// depend on the thread count. Where it does not run (autocast, bfloat16), the composition
// does.
#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "model/fused/AttentionEnergies.h"
#include "tests/model/ModelTestUtil.h"

namespace s2s {
namespace {

constexpr int64_t kRows = 3, kSource = 5, kSteps = 4;

// The plain composition the kernel replaces.
torch::Tensor composed(const torch::Tensor& query, const torch::Tensor& keys, const torch::Tensor& v,
                       const torch::Tensor& padding) {
  return torch::tanh(query.unsqueeze(1) + keys)
      .matmul(v.reshape({-1}))
      .masked_fill(padding, -std::numeric_limits<double>::infinity());  // (B, T_src)
}

// Keys derived from parameters (U h + b, as the encoder's), queries from a parameter and
// per-step inputs, one padded row and one full one; A = 13 leaves a tail of every vector
// width, A = 16 none.
struct Problem {
  Problem(int64_t a, torch::ScalarType type) {
    const auto o = torch::TensorOptions().dtype(type);
    h = torch::randn({kRows, kSource, 6}, o).requires_grad_();  // (B, T_src, K)
    u = torch::randn({a, 6}, o).requires_grad_();              // (A, K)
    w = torch::randn({a, 7}, o).requires_grad_();              // (A, Q)
    v = torch::randn({1, a}, o).requires_grad_();              // (1, A)
    xs = torch::randn({kSteps, kRows, 7}, o);                  // (T, B, Q)
    targets = torch::randn({kSteps, kRows, kSource}, o);       // (T, B, T_src)
    padding = torch::zeros({kRows, kSource}, torch::kBool);    // (B, T_src)
    padding[0].narrow(0, 2, kSource - 2).fill_(true);
    padding[2][kSource - 1] = true;
  }
  torch::Tensor keys() const { return torch::matmul(h, u.t()); }  // (B, T_src, A)
  torch::Tensor query(int64_t t) const { return xs[t].matmul(w.t()); }  // (B, A)

  // Sum over the steps of softmax(e_t) . targets_t: gradients pass the softmax and padding.
  template <class Energies>
  torch::Tensor loss(const Energies& energies) const {
    torch::Tensor total = torch::zeros({}, h.options());
    for (int64_t t = 0; t < kSteps; ++t) total = total + (torch::softmax(energies(query(t)), -1) * targets[t]).sum();
    return total;
  }

  std::vector<torch::Tensor> gradients() {
    std::vector<torch::Tensor> g;
    for (auto* p : {&h, &u, &w, &v}) {
      g.push_back(p->grad().clone());
      p->mutable_grad() = torch::Tensor();
    }
    return g;
  }

  torch::Tensor h, u, w, v, xs, targets, padding;
};

double max_relative(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / (b.abs().max().item<double>() + 1e-30);
}

class AttentionEnergiesOn : public ::testing::TestWithParam<std::tuple<int64_t, torch::ScalarType>> {
 protected:
  void SetUp() override { test::deterministic(); }
  double tolerance() const { return std::get<1>(GetParam()) == torch::kDouble ? 1e-12 : 1e-5; }
};

TEST_P(AttentionEnergiesOn, TheCpuRunsTheFusedKernel) {
  const auto [a, type] = GetParam();
  const Problem p(a, type);
  EXPECT_TRUE(AttentionEnergies(p.keys(), p.v, p.padding).fused());
}

TEST_P(AttentionEnergiesOn, EnergiesEqualTheCompositionAndAreMinusInfinityOnPadding) {
  const auto [a, type] = GetParam();
  const Problem p(a, type);
  const AttentionEnergies energies(p.keys(), p.v, p.padding);
  for (int64_t t = 0; t < kSteps; ++t) {
    const auto fused = energies(p.query(t));
    const auto reference = composed(p.query(t), p.keys(), p.v, p.padding);
    EXPECT_TRUE(torch::equal(fused.isinf(), p.padding));
    EXPECT_TRUE(torch::all(fused.masked_select(p.padding) < 0).item<bool>());
    const auto real = p.padding.logical_not();
    EXPECT_LE(max_relative(fused.masked_select(real), reference.masked_select(real)), tolerance()) << "step " << t;
  }
}

TEST_P(AttentionEnergiesOn, GradientsOverStepsEqualAutogradsOfTheComposition) {
  const auto [a, type] = GetParam();
  Problem p(a, type);
  const auto keys = p.keys();
  const auto padding = p.padding;
  const auto v = p.v;
  p.loss([&](const torch::Tensor& q) { return composed(q, keys, v, padding); }).backward();
  const auto reference = p.gradients();
  p.loss(AttentionEnergies(p.keys(), p.v, p.padding)).backward();
  const auto fused = p.gradients();
  const char* names[] = {"annotations", "U", "W", "v"};
  for (size_t i = 0; i < fused.size(); ++i) {
    EXPECT_GT(reference[i].abs().max().item<double>(), 0) << names[i];
    EXPECT_LE(max_relative(fused[i], reference[i]), tolerance()) << names[i];
  }
  // Annotations of padded positions get nothing through the energies.
  EXPECT_EQ(fused[0][0].narrow(0, 2, kSource - 2).abs().max().item<double>(), 0.0);
}

TEST_P(AttentionEnergiesOn, ASecondBackwardOfARetainedGraphGivesTheSameGradients) {
  const auto [a, type] = GetParam();
  Problem p(a, type);
  const auto loss = p.loss(AttentionEnergies(p.keys(), p.v, p.padding));
  loss.backward({}, /*retain_graph=*/true);
  const auto first = p.gradients();
  loss.backward();
  const auto second = p.gradients();
  for (size_t i = 0; i < first.size(); ++i) EXPECT_TRUE(torch::equal(first[i], second[i])) << i;
}

TEST_P(AttentionEnergiesOn, WithoutGradientsTheSameEnergies) {
  const auto [a, type] = GetParam();
  const Problem p(a, type);
  const auto recorded = AttentionEnergies(p.keys(), p.v, p.padding)(p.query(0));
  torch::NoGradGuard no_grad;
  const AttentionEnergies energies(p.keys(), p.v, p.padding);
  const auto plain = energies(p.query(0));
  EXPECT_FALSE(plain.requires_grad());
  EXPECT_TRUE(torch::equal(plain, recorded.detach()));
}

TEST_P(AttentionEnergiesOn, NumbersDoNotDependOnTheThreadCount) {
  const auto [a, type] = GetParam();
  const Problem p(a, type);
  const auto keys = p.keys().detach().requires_grad_();    // leaves: only the kernel in between
  const auto query = p.query(1).detach().requires_grad_();
  const auto v = p.v.detach().requires_grad_();
  std::vector<std::vector<torch::Tensor>> runs;
  for (const int threads : {1, 3}) {
    torch::set_num_threads(threads);
    const auto energies = AttentionEnergies(keys, v, p.padding)(query);
    (torch::softmax(energies, -1) * p.targets[1]).sum().backward();
    runs.push_back({energies.detach(), keys.grad().clone(), query.grad().clone(), v.grad().clone()});
    for (const auto* t : {&keys, &query, &v}) const_cast<torch::Tensor*>(t)->mutable_grad() = torch::Tensor();
  }
  torch::set_num_threads(1);
  for (size_t i = 0; i < runs[0].size(); ++i) EXPECT_TRUE(torch::equal(runs[0][i], runs[1][i])) << i;
}

INSTANTIATE_TEST_SUITE_P(WidthsAndTypes, AttentionEnergiesOn,
                         ::testing::Combine(::testing::Values(13, 16), ::testing::Values(torch::kFloat, torch::kDouble)),
                         [](const auto& info) {
                           return "A" + std::to_string(std::get<0>(info.param)) +
                                  (std::get<1>(info.param) == torch::kFloat ? "_float" : "_double");
                         });

TEST(AttentionEnergies, BFloat16AndAutocastComposeLibTorchOps) {
  test::deterministic();
  const Problem p(16, torch::kFloat);
  const auto keys = p.keys().detach().to(torch::kBFloat16);
  const auto v = p.v.detach().to(torch::kBFloat16);
  const auto query = p.query(0).detach().to(torch::kBFloat16);
  const AttentionEnergies bf16(keys, v, p.padding);
  EXPECT_FALSE(bf16.fused());
  EXPECT_TRUE(torch::equal(bf16(query), composed(query, keys, v, p.padding)));
  {
    at::autocast::set_autocast_enabled(torch::kCPU, true);
    EXPECT_FALSE(AttentionEnergies(p.keys(), p.v, p.padding).fused());
    at::autocast::set_autocast_enabled(torch::kCPU, false);
  }
}

}  // namespace
}  // namespace s2s
