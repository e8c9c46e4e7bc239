#include "trainer/optim/FusedAdam.h"

#include <ATen/ops/_fused_adam.h>

#include <utility>

#include "trainer/optim/FusedAdamUpdate.h"

namespace s2s {

FusedAdam::FusedAdam(const std::vector<torch::Tensor>& params, const torch::optim::AdamOptions& options)
    : torch::optim::Adam(params, options) {}

torch::Tensor FusedAdam::step(LossClosure closure) {
  using torch::optim::AdamOptions;
  const torch::Tensor divisor = std::exchange(divisor_, torch::Tensor());
  return fused_adam_step<torch::optim::AdamParamState, AdamOptions>(
      closure, param_groups_, state_, divisor,
      [](FusedAdamBatch& b, const AdamOptions& o, const std::optional<torch::Tensor>& grad_scale) {
        at::_fused_adam_(b.params, b.grads, b.exp_avgs, b.exp_avg_sqs, b.max_exp_avg_sqs, b.steps,
                         o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()), o.weight_decay(),
                         o.eps(), o.amsgrad(), /*maximize=*/false, grad_scale);
      });
}

void FusedAdam::divide_gradients_in_next_step(torch::Tensor divisor) { divisor_ = std::move(divisor); }

}  // namespace s2s
