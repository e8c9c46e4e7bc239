// Specification of gru_cell_update: LibTorch's GRU cell after its two matrix products, one
// pass forward and one backward on the CPU. It is the function torch::nn::GRUCell computes,
// with the same gradients, whatever the strides of its inputs and the thread count.
#include "model/fused/GruCellUpdate.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

namespace s2s {
namespace {

struct Inputs {
  torch::Tensor input, recurrent, hidden;  // (B, 3D), (B, 3D), (B, D), leaves that require grad
};

Inputs random_inputs(int64_t B, int64_t D, torch::Dtype dtype, uint64_t seed) {
  torch::manual_seed(seed);
  const auto o = torch::TensorOptions().dtype(dtype);
  // Scale 2: gates well into the sigmoid's and tanh's curved parts, not only near 0.
  return {(2 * torch::randn({B, 3 * D}, o)).requires_grad_(), (2 * torch::randn({B, 3 * D}, o)).requires_grad_(),
          torch::randn({B, D}, o).requires_grad_()};
}

// Output and the gradients of all three inputs for a fixed random upstream gradient.
std::vector<torch::Tensor> value_and_gradients(const Inputs& x, bool fused, const torch::Tensor& upstream,
                                               const torch::Tensor& active = {}) {
  for (const auto& t : {x.input, x.recurrent, x.hidden}) t.mutable_grad() = torch::Tensor();
  const auto out = fused ? gru_cell_update(x.input, x.recurrent, x.hidden, active)
                         : gru_cell_update_composed(x.input, x.recurrent, x.hidden, active);
  (out * upstream).sum().backward();
  return {out.detach(), x.input.grad().clone(), x.recurrent.grad().clone(), x.hidden.grad().clone()};
}

void expect_close(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b, double tolerance) {
  const char* names[] = {"output", "input gates' gradient", "recurrent gates' gradient", "hidden's gradient"};
  for (size_t i = 0; i < a.size(); ++i) {
    const double scale = b[i].abs().max().item<double>();
    EXPECT_GT(scale, 0.0) << names[i];
    EXPECT_LE((a[i] - b[i]).abs().max().item<double>(), tolerance * scale) << names[i];
  }
}

TEST(GruCellUpdate, EqualsTheComposedCellAndItsGradientsInDoublePrecision) {
  // D = 37: a row ends in a partial vector (4 and 8 lanes both leave a remainder).
  const auto x = random_inputs(5, 37, torch::kDouble, 1);
  const auto upstream = torch::randn({5, 37}, torch::kDouble);
  expect_close(value_and_gradients(x, true, upstream), value_and_gradients(x, false, upstream), 1e-12);
}

TEST(GruCellUpdate, EqualsTheComposedCellAndItsGradientsInSinglePrecision) {
  const auto x = random_inputs(64, 256, torch::kFloat, 2);
  const auto upstream = torch::randn({64, 256});
  expect_close(value_and_gradients(x, true, upstream), value_and_gradients(x, false, upstream), 2e-6);
}

TEST(GruCellUpdate, IsWhatTorchNnGruCellComputesFromTheGateProducts) {
  torch::manual_seed(3);
  torch::nn::GRUCell cell(torch::nn::GRUCellOptions(6, 10));
  cell->to(torch::kDouble);
  const auto x = torch::randn({4, 6}, torch::kDouble), s = torch::randn({4, 10}, torch::kDouble);
  const auto expected = cell->forward(x, s);
  const auto got = gru_cell_update(torch::nn::functional::linear(x, cell->weight_ih, cell->bias_ih),
                                   torch::nn::functional::linear(s, cell->weight_hh, cell->bias_hh), s);
  EXPECT_TRUE(torch::allclose(got, expected, 1e-12, 1e-12));
}

TEST(GruCellUpdate, ReadsRecurrentGatesThatAreANarrowOfAWiderProduct) {
  // The decoder's recurrent gates are columns A.. of one product with the attention query.
  torch::manual_seed(4);
  const auto wide = torch::randn({8, 5 + 3 * 16}, torch::kDouble).requires_grad_();  // (B, A + 3D)
  const auto input = torch::randn({8, 3 * 16}, torch::kDouble).requires_grad_();
  const auto hidden = torch::randn({8, 16}, torch::kDouble).requires_grad_();
  const auto upstream = torch::randn({8, 16}, torch::kDouble);
  (gru_cell_update(input, wide.narrow(1, 5, 48), hidden) * upstream).sum().backward();
  const auto fused_wide = wide.grad().clone(), fused_input = input.grad().clone();
  wide.mutable_grad() = torch::Tensor();
  input.mutable_grad() = torch::Tensor();
  (gru_cell_update_composed(input, wide.narrow(1, 5, 48), hidden) * upstream).sum().backward();
  EXPECT_TRUE(torch::allclose(fused_wide, wide.grad(), 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(fused_input, input.grad(), 1e-12, 1e-12));
  EXPECT_TRUE(torch::equal(fused_wide.narrow(1, 0, 5), torch::zeros({8, 5}, torch::kDouble)));
}

TEST(GruCellUpdate, WithoutGradientsGivesTheSameNumbersAndRecordsNothing) {
  const auto x = random_inputs(16, 40, torch::kFloat, 5);
  const auto recorded = gru_cell_update(x.input, x.recurrent, x.hidden);
  torch::NoGradGuard no_grad;
  const auto plain = gru_cell_update(x.input, x.recurrent, x.hidden);
  EXPECT_FALSE(plain.requires_grad());
  EXPECT_TRUE(torch::equal(plain, recorded.detach()));
}

TEST(GruCellUpdate, DoesNotDependOnTheThreadCount) {
  const auto x = random_inputs(64, 128, torch::kFloat, 6);
  const auto upstream = torch::randn({64, 128});
  const int threads = torch::get_num_threads();
  torch::set_num_threads(1);
  const auto one = value_and_gradients(x, true, upstream);
  torch::set_num_threads(2);
  const auto two = value_and_gradients(x, true, upstream);
  torch::set_num_threads(threads);
  for (size_t i = 0; i < one.size(); ++i) EXPECT_TRUE(torch::equal(one[i], two[i])) << i;
}

TEST(GruCellUpdate, RowsLeftOutOfActiveKeepTheirStateAndGiveTheirGatesNoGradient) {
  // As torch::where(active, s', s): the encoder's right-to-left direction holds each row's
  // state until its own last token this way.
  const auto x = random_inputs(6, 37, torch::kDouble, 8);
  const auto upstream = torch::randn({6, 37}, torch::kDouble);
  const auto active = torch::tensor({true, false, true, true, false, false});
  const auto fused = value_and_gradients(x, true, upstream, active);
  expect_close(fused, value_and_gradients(x, false, upstream, active), 1e-12);
  const auto off = torch::tensor({1, 4, 5});
  EXPECT_TRUE(torch::equal(fused[0].index_select(0, off), x.hidden.detach().index_select(0, off)));
  EXPECT_TRUE(torch::equal(fused[1].index_select(0, off), torch::zeros({3, 3 * 37}, torch::kDouble)));
  EXPECT_TRUE(torch::equal(fused[2].index_select(0, off), torch::zeros({3, 3 * 37}, torch::kDouble)));
  EXPECT_TRUE(torch::equal(fused[3].index_select(0, off), upstream.index_select(0, off)));
  // Active rows are what the cell computes without the mask.
  const auto on = torch::tensor({0, 2, 3});
  const auto all = value_and_gradients(x, true, upstream);
  for (size_t i = 0; i < all.size(); ++i)
    EXPECT_TRUE(torch::equal(fused[i].index_select(0, on), all[i].index_select(0, on))) << i;
}

TEST(GruCellUpdate, RejectsAnActiveMaskOfTheWrongShapeOrType) {
  const auto x = random_inputs(4, 8, torch::kFloat, 9);
  EXPECT_THROW(gru_cell_update(x.input, x.recurrent, x.hidden, torch::ones({3}, torch::kBool)), c10::Error);
  EXPECT_THROW(gru_cell_update(x.input, x.recurrent, x.hidden, torch::ones({4}, torch::kLong)), c10::Error);
}

TEST(GruCellUpdate, UnderBf16AutocastFallsBackToTheComposedCell) {
  const auto x = random_inputs(4, 8, torch::kFloat, 7);
  const auto a = x.input.to(torch::kBFloat16), r = x.recurrent.to(torch::kBFloat16);
  // Mixed dtypes (bf16 gates from autocast's products, a float state) take LibTorch's ops.
  const auto out = gru_cell_update(a, r, x.hidden.detach());
  EXPECT_TRUE(torch::equal(out, gru_cell_update_composed(a, r, x.hidden.detach())));
}

}  // namespace
}  // namespace s2s
