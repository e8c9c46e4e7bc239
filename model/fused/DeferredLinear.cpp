#include "model/fused/DeferredLinear.h"

#include <ATen/autocast_mode.h>

#include <vector>

namespace s2s {

namespace F = torch::nn::functional;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The steps' backward nodes append here; the weight's node consumes it. One per forward
// pass (a capsule in each node's saved data keeps it alive as long as the graph).
struct DeferredWeightGradients : torch::CustomClassHolder {
  std::vector<torch::Tensor> grads;   // dY_t, (B, N) each, in the order backward reaches them
  std::vector<torch::Tensor> inputs;  // X_t, (B, K) each, in the same order
};

namespace {

c10::intrusive_ptr<DeferredWeightGradients> kept_of(AutogradContext* ctx) {
  return c10::static_intrusive_pointer_cast<DeferredWeightGradients>(ctx->saved_data["kept"].toCapsule());
}

// The weight's stand-in: forward is the identity; backward runs after every step that
// read the stand-in and returns dW = sum_t dY_t^T X_t as one product.
struct WeightOfSteps : torch::autograd::Function<WeightOfSteps> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& weight,
                               c10::intrusive_ptr<DeferredWeightGradients> kept) {
    ctx->set_materialize_grads(false);  // the steps send no gradient here: no zeros to make
    ctx->saved_data["kept"] = c10::IValue::make_capsule(std::move(kept));
    return weight.view_as(weight);  // (N, K)
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto kept = kept_of(ctx);
    torch::Tensor dw = grads[0];  // undefined unless something else read the stand-in
    if (!kept->grads.empty()) {
      const auto product = torch::cat(kept->grads).t().mm(torch::cat(kept->inputs));  // (N, K)
      dw = dw.defined() ? dw + product : product;
    }
    kept->grads.clear();
    kept->inputs.clear();
    return {dw, torch::Tensor()};
  }
};

// One step's x W^T: backward gives x its gradient now and keeps dY_t for the weight's node.
struct StepProduct : torch::autograd::Function<StepProduct> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               c10::intrusive_ptr<DeferredWeightGradients> kept) {
    ctx->save_for_backward({x, weight});
    ctx->saved_data["kept"] = c10::IValue::make_capsule(std::move(kept));
    return x.mm(weight.t());  // (B, N)
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto kept = kept_of(ctx);
    kept->grads.push_back(grads[0]);
    kept->inputs.push_back(saved[0]);
    const torch::Tensor dx = ctx->needs_input_grad(0) ? grads[0].mm(saved[1]) : torch::Tensor();  // (B, K)
    return {dx, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

DeferredLinear::DeferredLinear(const torch::Tensor& weight, const torch::Tensor& bias)
    : weight_(weight), bias_(bias) {
  const bool recorded = torch::GradMode::is_enabled() && weight.requires_grad();
  if (!recorded || at::autocast::is_autocast_enabled(weight.device().type())) return;
  auto kept = c10::make_intrusive<DeferredWeightGradients>();
  weight_ = WeightOfSteps::apply(weight, kept);
  kept_ = std::move(kept);
}

torch::Tensor DeferredLinear::operator()(const torch::Tensor& x) const {
  if (!deferred()) return F::linear(x, weight_, bias_);  // (B, N)
  const auto y = StepProduct::apply(x, weight_, c10::static_intrusive_pointer_cast<DeferredWeightGradients>(kept_));  // (B, N)
  return bias_.defined() ? y + bias_ : y;                // (B, N)
}

}  // namespace s2s
