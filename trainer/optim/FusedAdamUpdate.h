#pragma once
// One Adam or AdamW update through LibTorch's fused kernel (at::_fused_adam_ /
// at::_fused_adamw_): one pass over each parameter that reads the parameter, its gradient and
// both moments and writes them back, instead of the eight to ten passes (each its own
// temporary) of torch::optim::Adam::step. The two optimizers in this room differ only in the
// kernel, so the update is written once, here.
//
// The state is torch::optim's own (AdamParamState / AdamWParamState: step, exp_avg,
// exp_avg_sq, max_exp_avg_sq), created lazily as torch::optim::Adam creates it, so
// checkpoints, state_dict and every reader of optimizer.state() see exactly what they would
// with the stock optimizer.

#include <ATen/ops/full.h>
#include <torch/optim/optimizer.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace s2s {

// The tensors of one fused call: parameters of one group that share a device and dtype.
struct FusedAdamBatch {
  std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps;
};

// Optimizer::step(closure) of either optimizer: the closure's loss (with gradients on, as
// torch::optim runs it), then the update. Kernel(FusedAdamBatch&, const Options&, grad_scale)
// runs the fused update of one batch, grad_scale the divisor on the batch's device (or none).
// State is AdamParamState or AdamWParamState, Options their group options. divisor: see
// GradientDivisor.h (undefined: none).
template <class State, class Options, class Kernel>
torch::Tensor fused_adam_step(const torch::optim::Optimizer::LossClosure& closure,
                              std::vector<torch::optim::OptimizerParamGroup>& groups,
                              ska::flat_hash_map<void*, std::unique_ptr<torch::optim::OptimizerParamState>>& states,
                              const torch::Tensor& divisor, Kernel kernel) {
  torch::Tensor loss;
  if (closure) {
    torch::AutoGradMode enable_grad(true);
    loss = closure();
  }
  torch::NoGradGuard no_grad;
  for (auto& group : groups) {
    const auto& options = static_cast<const Options&>(group.options());
    std::vector<FusedAdamBatch> batches;  // one per (device, dtype) among the group's parameters
    // The kernel reads each parameter's step count from a () float tensor on its device (no
    // host sync on CUDA); parameters at the same count share one.
    std::vector<std::pair<int64_t, torch::Tensor>> step_tensors;
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      TORCH_CHECK(!p.grad().is_sparse(), "fused Adam does not support sparse gradients");
      auto& slot = states[p.unsafeGetTensorImpl()];
      if (!slot) {  // lazily, as torch::optim::Adam does
        auto created = std::make_unique<State>();
        created->step(0);
        created->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        created->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        if (options.amsgrad()) created->max_exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        slot = std::move(created);
      }
      auto& state = static_cast<State&>(*slot);
      state.step(state.step() + 1);

      torch::Tensor step;
      for (const auto& [count, tensor] : step_tensors)
        if (count == state.step() && tensor.device() == p.device()) step = tensor;
      if (!step.defined()) {
        step = at::full({}, static_cast<double>(state.step()), p.options().dtype(torch::kFloat));
        step_tensors.emplace_back(state.step(), step);
      }

      FusedAdamBatch* batch = nullptr;
      for (auto& b : batches)
        if (b.params.front().device() == p.device() && b.params.front().dtype() == p.dtype()) batch = &b;
      if (!batch) batch = &batches.emplace_back();
      batch->params.push_back(p);
      batch->grads.push_back(p.grad());
      batch->exp_avgs.push_back(state.exp_avg());
      batch->exp_avg_sqs.push_back(state.exp_avg_sq());
      if (options.amsgrad()) batch->max_exp_avg_sqs.push_back(state.max_exp_avg_sq());
      batch->steps.push_back(step);
    }
    for (auto& batch : batches) {
      std::optional<torch::Tensor> grad_scale;
      if (divisor.defined())
        grad_scale = divisor.to(batch.params.front().device(), torch::kFloat);  // no copy when it is there
      kernel(batch, options, grad_scale);
    }
  }
  return loss;
}

}  // namespace s2s
