// Specification of the fused optimizers (trainer/optim/): FusedAdam and FusedAdamW are
// torch::optim::Adam and AdamW, stepped by LibTorch's fused kernel. Driven by the same
// gradients, they produce the stock optimizers' parameters and state (step count, both moments,
// AMSGrad's maximum) to float rounding, follow a learning rate changed on the param group between
// steps (as LearningRateSchedule does), leave a parameter without gradient untouched and
// stateless, divide the gradients by a number in one step when asked (GradientDivisor), and are
// Adam / AdamW to code that asks (the checkpoint codec).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <vector>

#include "trainer/optim/FusedAdam.h"
#include "trainer/optim/FusedAdamW.h"

namespace s2s {
namespace {

// Parameters of a few shapes (a matrix, a vector, a scalar, a 3-d tensor), the same values in
// each copy.
std::vector<torch::Tensor> make_params() {
  torch::manual_seed(11);
  std::vector<torch::Tensor> params;
  for (auto shape : std::vector<std::vector<int64_t>>{{37, 19}, {53}, {}, {4, 5, 6}})
    params.push_back(torch::randn(shape).requires_grad_(true));
  return params;
}

std::vector<torch::Tensor> clone_params(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  for (const auto& p : params) out.push_back(p.detach().clone().requires_grad_(true));
  return out;
}

// Gradients of step `step`: random, of varied magnitude, a few exact zeros; the same for each copy.
void set_grads(std::vector<torch::Tensor>& params, int step) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(100 + step);
  for (auto& p : params) {
    auto g = torch::randn(p.sizes(), gen) * std::pow(10.0, (step % 3) - 1);
    g.masked_fill_(torch::rand(p.sizes(), gen) < 0.1, 0.0);
    p.mutable_grad() = g;
  }
}

// Agreement of float32 values that went through a few Adam steps by different operation orders
// (the stock step's separate ops, the kernel's one pass: lerp for the first moment, one
// rounding less here and there): each element within 1e-6 of the tensor's largest magnitude.
// Element-wise relative error is no measure here: a moment that is the difference of two
// nearly equal terms keeps the rounding of the terms, not of itself.
void expect_close(const torch::Tensor& actual, const torch::Tensor& expected, const char* what) {
  const double scale = expected.abs().max().item<double>();
  const double worst = (actual - expected).abs().max().item<double>();
  EXPECT_LE(worst, 1e-6 * scale) << what << ": largest difference " << worst << " of a largest value " << scale;
}

template <class State>
void expect_same_state(torch::optim::Optimizer& fused, torch::optim::Optimizer& stock,
                       const std::vector<torch::Tensor>& fused_params,
                       const std::vector<torch::Tensor>& stock_params, bool amsgrad) {
  for (size_t i = 0; i < fused_params.size(); ++i) {
    expect_close(fused_params[i], stock_params[i], "parameter");
    const auto& f = static_cast<State&>(*fused.state().at(fused_params[i].unsafeGetTensorImpl()));
    const auto& s = static_cast<State&>(*stock.state().at(stock_params[i].unsafeGetTensorImpl()));
    EXPECT_EQ(f.step(), s.step());
    expect_close(f.exp_avg(), s.exp_avg(), "exp_avg");
    expect_close(f.exp_avg_sq(), s.exp_avg_sq(), "exp_avg_sq");
    if (amsgrad) expect_close(f.max_exp_avg_sq(), s.max_exp_avg_sq(), "max_exp_avg_sq");
  }
}

// Six steps of both optimizers on the same gradients, the learning rate halved after the third.
template <class Fused, class Stock, class State, class Options>
void expect_matches_stock(const Options& options) {
  auto fused_params = make_params();
  auto stock_params = clone_params(fused_params);
  Fused fused(fused_params, options);
  Stock stock(stock_params, options);
  for (int step = 0; step < 6; ++step) {
    if (step == 3)
      for (auto* opt : std::vector<torch::optim::Optimizer*>{&fused, &stock})
        opt->param_groups()[0].options().set_lr(options.lr() / 2);
    set_grads(fused_params, step);
    set_grads(stock_params, step);
    fused.step();
    stock.step();
  }
  expect_same_state<State>(fused, stock, fused_params, stock_params, options.amsgrad());
}

TEST(FusedAdam, TakesTheStepsOfTorchOptimAdamWithL2WeightDecay) {
  expect_matches_stock<FusedAdam, torch::optim::Adam, torch::optim::AdamParamState>(
      torch::optim::AdamOptions(1e-2).betas({0.9, 0.98}).eps(1e-8).weight_decay(0.01));
}

TEST(FusedAdam, TakesTheStepsOfTorchOptimAdamWithAmsgrad) {
  expect_matches_stock<FusedAdam, torch::optim::Adam, torch::optim::AdamParamState>(
      torch::optim::AdamOptions(3e-3).betas({0.8, 0.999}).eps(1e-6).amsgrad(true));
}

TEST(FusedAdamW, TakesTheStepsOfTorchOptimAdamWWithDecoupledWeightDecay) {
  expect_matches_stock<FusedAdamW, torch::optim::AdamW, torch::optim::AdamWParamState>(
      torch::optim::AdamWOptions(1e-2).betas({0.9, 0.98}).eps(1e-8).weight_decay(0.1));
}

TEST(FusedAdamW, TakesTheStepsOfTorchOptimAdamWWithAmsgrad) {
  expect_matches_stock<FusedAdamW, torch::optim::AdamW, torch::optim::AdamWParamState>(
      torch::optim::AdamWOptions(3e-3).weight_decay(0.01).amsgrad(true));
}

TEST(FusedAdam, LeavesAParameterWithoutGradientUntouchedAndWithoutState) {
  auto params = make_params();
  FusedAdam adam(params, torch::optim::AdamOptions(1e-2).weight_decay(0.01));
  set_grads(params, 0);
  params[1].mutable_grad() = torch::Tensor();
  const auto before = params[1].detach().clone();
  adam.step();
  EXPECT_TRUE(torch::equal(params[1], before));
  EXPECT_EQ(adam.state().count(params[1].unsafeGetTensorImpl()), 0u);
  EXPECT_EQ(adam.state().size(), params.size() - 1);
  EXPECT_FALSE(torch::equal(params[0], make_params()[0]));
}

TEST(FusedAdam, ReturnsTheClosuresLossComputedWithGradientsOn) {
  auto params = make_params();
  FusedAdam adam(params, torch::optim::AdamOptions(1e-2));
  torch::NoGradGuard no_grad;  // as a caller that steps under no_grad
  const auto loss = adam.step([&] {
    auto l = (params[0] * params[0]).sum();
    l.backward();
    return l;
  });
  EXPECT_TRUE(loss.defined());
  EXPECT_EQ(adam.state().size(), 1u);  // only params[0] got a gradient
}

// divide_gradients_in_next_step(d): that step is the step on grad / d, leaves grad / d in
// .grad(), and the divisor is gone for the step after.
template <class Fused, class Stock, class State, class Options>
void expect_divided_step(const Options& options) {
  auto fused_params = make_params();
  auto stock_params = clone_params(fused_params);
  Fused fused(fused_params, options);
  Stock stock(stock_params, options);
  for (int step = 0; step < 3; ++step) {
    set_grads(fused_params, step);
    set_grads(stock_params, step);
    if (step == 1) {
      const double divisor = 37.5;
      fused.divide_gradients_in_next_step(torch::full({}, divisor));
      for (auto& p : stock_params) p.mutable_grad().div_(divisor);
    }
    fused.step();
    stock.step();
    for (size_t i = 0; i < fused_params.size(); ++i)
      expect_close(fused_params[i].grad(), stock_params[i].grad(), "gradient left after the step");
  }
  expect_same_state<State>(fused, stock, fused_params, stock_params, options.amsgrad());
}

TEST(FusedAdam, DividesTheGradientsInTheNextStepOnlyWhenAsked) {
  expect_divided_step<FusedAdam, torch::optim::Adam, torch::optim::AdamParamState>(
      torch::optim::AdamOptions(1e-2).weight_decay(0.01));
}

TEST(FusedAdamW, DividesTheGradientsInTheNextStepOnlyWhenAsked) {
  expect_divided_step<FusedAdamW, torch::optim::AdamW, torch::optim::AdamWParamState>(
      torch::optim::AdamWOptions(1e-2).weight_decay(0.1));
}

TEST(FusedAdam, IsATorchOptimAdamAndFusedAdamWAnAdamW) {
  auto params = make_params();
  std::unique_ptr<torch::optim::Optimizer> adam = std::make_unique<FusedAdam>(params, torch::optim::AdamOptions());
  std::unique_ptr<torch::optim::Optimizer> adamw = std::make_unique<FusedAdamW>(params, torch::optim::AdamWOptions());
  EXPECT_NE(dynamic_cast<torch::optim::Adam*>(adam.get()), nullptr);
  EXPECT_NE(dynamic_cast<torch::optim::AdamW*>(adamw.get()), nullptr);
}

}  // namespace
}  // namespace s2s
