#include "model/fused/AttentionContexts.h"

#include <ATen/autocast_mode.h>

#include <vector>

namespace s2s {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The steps' backward nodes append here; the annotations' node consumes it. One per forward
// pass (a capsule in each node's saved data keeps it alive as long as the graph).
struct KeptContextGradients : torch::CustomClassHolder {
  std::vector<torch::Tensor> weights;  // alpha_t, (B, T_src) each, in the order backward reaches them
  std::vector<torch::Tensor> grads;    // dc_t, (B, K) each, in the same order
};

namespace {

c10::intrusive_ptr<KeptContextGradients> kept_of(AutogradContext* ctx) {
  return c10::static_intrusive_pointer_cast<KeptContextGradients>(ctx->saved_data["kept"].toCapsule());
}

// The annotations' stand-in: forward is the identity; backward runs after every step that
// read it and returns dH = sum_t alpha_t^T dc_t as one batched product.
struct AnnotationsOfSteps : torch::autograd::Function<AnnotationsOfSteps> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& annotations,
                               c10::intrusive_ptr<KeptContextGradients> kept) {
    ctx->set_materialize_grads(false);  // the steps send no gradient here: no zeros to make
    ctx->saved_data["kept"] = c10::IValue::make_capsule(std::move(kept));
    return annotations.view_as(annotations);  // (B, T_src, K)
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    // Only the steps read the stand-in (it never leaves AttentionContexts): grads[0] is empty.
    const auto kept = kept_of(ctx);
    torch::Tensor grad;  // (B, T_src, K)
    if (!kept->grads.empty()) {
      const auto weights = torch::stack(kept->weights, 1);  // (B, T_tgt, T_src)
      const auto dc = torch::stack(kept->grads, 1);         // (B, T_tgt, K)
      grad = torch::bmm(weights.transpose(1, 2), dc);
    }
    kept->weights.clear();
    kept->grads.clear();
    return {grad, torch::Tensor()};
  }
};

// One step's context: backward gives the weights their gradient now and keeps
// (alpha_t, dc_t) for the annotations' node.
struct StepContext : torch::autograd::Function<StepContext> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& weights, const torch::Tensor& annotations,
                               c10::intrusive_ptr<KeptContextGradients> kept) {
    ctx->save_for_backward({weights, annotations});
    ctx->saved_data["kept"] = c10::IValue::make_capsule(std::move(kept));
    return torch::bmm(weights.unsqueeze(1), annotations).squeeze(1);  // (B, K)
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto kept = kept_of(ctx);
    kept->weights.push_back(saved[0]);
    kept->grads.push_back(grads[0]);
    // dalpha_t = dc_t H^T as (B, 1, K) @ (B, K, T_src), the orientation of autograd's own bmm
    // backward, which MKL runs as matrix-vector products; H @ dc_t, (B, T_src, K) @ (B, K, 1),
    // takes a small-matrix path of MKL several times slower (measured with perf).
    const torch::Tensor grad_weights =
        ctx->needs_input_grad(0) ? torch::bmm(grads[0].unsqueeze(1), saved[1].transpose(1, 2)).squeeze(1)  // (B, T_src)
                                 : torch::Tensor();
    return {grad_weights, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

AttentionContexts::AttentionContexts(const torch::Tensor& annotations) : annotations_(annotations) {
  const bool recorded = torch::GradMode::is_enabled() && annotations.requires_grad();
  if (!recorded || at::autocast::is_autocast_enabled(annotations.device().type())) return;
  auto kept = c10::make_intrusive<KeptContextGradients>();
  annotations_ = AnnotationsOfSteps::apply(annotations, kept);
  kept_ = std::move(kept);
}

torch::Tensor AttentionContexts::operator()(const torch::Tensor& weights) const {
  if (!deferred()) return torch::bmm(weights.unsqueeze(1), annotations_).squeeze(1);  // (B, K)
  return StepContext::apply(weights, annotations_,
                            c10::static_intrusive_pointer_cast<KeptContextGradients>(kept_));  // (B, K)
}

}  // namespace s2s
