#include "trainer/optim/FusedAdamW.h"

#include <ATen/ops/_fused_adamw.h>

#include <utility>

#include "trainer/optim/FusedAdamUpdate.h"

namespace s2s {

FusedAdamW::FusedAdamW(const std::vector<torch::Tensor>& params, const torch::optim::AdamWOptions& options)
    : torch::optim::AdamW(params, options) {}

torch::Tensor FusedAdamW::step(LossClosure closure) {
  using torch::optim::AdamWOptions;
  const torch::Tensor divisor = std::exchange(divisor_, torch::Tensor());
  return fused_adam_step<torch::optim::AdamWParamState, AdamWOptions>(
      closure, param_groups_, state_, divisor,
      [](FusedAdamBatch& b, const AdamWOptions& o, const std::optional<torch::Tensor>& grad_scale) {
        at::_fused_adamw_(b.params, b.grads, b.exp_avgs, b.exp_avg_sqs, b.max_exp_avg_sqs, b.steps,
                          o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()), o.weight_decay(),
                          o.eps(), o.amsgrad(), /*maximize=*/false, grad_scale);
      });
}

void FusedAdamW::divide_gradients_in_next_step(torch::Tensor divisor) { divisor_ = std::move(divisor); }

}  // namespace s2s
