#include "model/fused/AttentionEnergies.h"

#include <ATen/autocast_mode.h>

#include <limits>

#include "model/fused/AttentionEnergyKernel.h"
#include "model/fused/CpuKernelSupport.h"

namespace s2s {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The keys' gradient, summed by the steps' backward nodes and handed on by the keys' node.
// One per forward pass (a capsule in each node's saved data keeps it alive with the graph).
struct SummedKeysGradient : torch::CustomClassHolder {
  torch::Tensor sum;  // (B, T_src, A); undefined until the first step's backward
};

namespace {

c10::intrusive_ptr<SummedKeysGradient> summed_of(const c10::IValue& capsule) {
  return capsule.isNone() ? c10::intrusive_ptr<SummedKeysGradient>()
                          : c10::static_intrusive_pointer_cast<SummedKeysGradient>(capsule.toCapsule());
}

// Row b of the batch per task; each row's numbers do not depend on the thread count.
torch::Tensor forward_energies(const torch::Tensor& query, const torch::Tensor& keys, const torch::Tensor& v,
                               const torch::Tensor& padding) {
  const int64_t B = keys.size(0), T = keys.size(1), A = keys.size(2);
  auto energies = torch::empty({B, T}, keys.options());  // (B, T_src)
  AT_DISPATCH_FLOATING_TYPES(keys.scalar_type(), "attention energies", [&] {
    const scalar_t* q = query.data_ptr<scalar_t>();
    const scalar_t* k = keys.data_ptr<scalar_t>();
    const scalar_t* w = v.data_ptr<scalar_t>();
    const bool* pad = padding.data_ptr<bool>();
    scalar_t* e = energies.data_ptr<scalar_t>();
    at::parallel_for(0, B, 1, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b)
        attention_kernel::energies_forward(q + b * A, k + b * T * A, w, pad + b * T, T, A, e + b * T);
    });
  });
  return energies;
}

// The keys' stand-in: forward is the identity; backward runs after every step that read it
// and returns the gradient the steps summed.
struct KeysOfSteps : torch::autograd::Function<KeysOfSteps> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& keys,
                               c10::intrusive_ptr<SummedKeysGradient> summed) {
    ctx->set_materialize_grads(false);  // the steps send no gradient here: no zeros to make
    ctx->saved_data["summed"] = c10::IValue::make_capsule(std::move(summed));
    return keys.view_as(keys);  // (B, T_src, A)
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    // Only the steps read the stand-in (it never leaves AttentionEnergies): grads[0] is empty.
    const auto summed = summed_of(ctx->saved_data["summed"]);
    torch::Tensor grad = std::move(summed->sum);  // (B, T_src, A); undefined if no step used it
    summed->sum = torch::Tensor();                 // a second backward (retain_graph) sums anew
    return {grad, torch::Tensor()};
  }
};

// One step's energies. Backward recomputes the tanh (AttentionEnergyKernel.h) and adds the
// keys' gradient to the summed one, or returns its own when there is none.
struct StepEnergies : torch::autograd::Function<StepEnergies> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& query, const torch::Tensor& keys,
                               const torch::Tensor& v, const torch::Tensor& padding,
                               c10::intrusive_ptr<SummedKeysGradient> summed) {
    ctx->save_for_backward({query, keys, v, padding});
    ctx->saved_data["summed"] = summed ? c10::IValue::make_capsule(std::move(summed)) : c10::IValue();
    return forward_energies(query, keys, v, padding);  // (B, T_src)
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &query = saved[0], &keys = saved[1], &v = saved[2], &padding = saved[3];
    const auto summed = summed_of(ctx->saved_data["summed"]);
    const int64_t B = keys.size(0), T = keys.size(1), A = keys.size(2);
    const auto grad = grads[0].contiguous();       // (B, T_src)
    auto grad_query = torch::empty_like(query);    // (B, A)
    auto grad_v_rows = torch::empty_like(query);   // (B, A): row b's share of v's gradient
    torch::Tensor grad_keys;                       // (B, T_src, A)
    if (summed) {
      if (!summed->sum.defined()) summed->sum = torch::zeros_like(keys);
      grad_keys = summed->sum;
    } else {
      grad_keys = torch::zeros_like(keys);
    }
    AT_DISPATCH_FLOATING_TYPES(keys.scalar_type(), "attention energies backward", [&] {
      const scalar_t* g = grad.data_ptr<scalar_t>();
      const scalar_t* q = query.data_ptr<scalar_t>();
      const scalar_t* k = keys.data_ptr<scalar_t>();
      const scalar_t* w = v.data_ptr<scalar_t>();
      const bool* pad = padding.data_ptr<bool>();
      scalar_t* gq = grad_query.data_ptr<scalar_t>();
      scalar_t* gk = grad_keys.data_ptr<scalar_t>();
      scalar_t* gv = grad_v_rows.data_ptr<scalar_t>();
      at::parallel_for(0, B, 1, [&](int64_t begin, int64_t end) {
        for (int64_t b = begin; b < end; ++b)
          attention_kernel::energies_backward(g + b * T, q + b * A, k + b * T * A, w, pad + b * T, T, A,
                                              gq + b * A, gk + b * T * A, gv + b * A);
      });
    });
    return {grad_query, summed ? torch::Tensor() : grad_keys, grad_v_rows.sum(0), torch::Tensor(),
            torch::Tensor()};
  }
};

}  // namespace

AttentionEnergies::AttentionEnergies(const torch::Tensor& keys, const torch::Tensor& v, const torch::Tensor& padding)
    : keys_(keys), v_(v.reshape({-1})), padding_(padding) {
  const auto type = keys.scalar_type();
  fused_ = keys.device().is_cpu() && (type == torch::kFloat || type == torch::kDouble) &&
           v.scalar_type() == type && !at::autocast::is_autocast_enabled(torch::kCPU) && fused_kernels_run_here();
  if (!fused_) return;
  keys_ = keys_.contiguous();
  v_ = v_.contiguous();
  padding_ = padding_.contiguous();
  if (torch::GradMode::is_enabled() && keys.requires_grad()) {
    auto summed = c10::make_intrusive<SummedKeysGradient>();
    keys_ = KeysOfSteps::apply(keys_, summed);
    summed_ = std::move(summed);
  }
}

torch::Tensor AttentionEnergies::operator()(const torch::Tensor& projected_query) const {
  if (!fused_) {
    const auto energies = torch::tanh(projected_query.unsqueeze(1) + keys_).matmul(v_);  // (B, T_src)
    // -inf, not a large negative number: exp(-inf) is exactly 0, so padding gets exactly
    // zero weight and zero gradient. Safe because every row has at least one real token.
    return energies.masked_fill(padding_, -std::numeric_limits<double>::infinity());
  }
  const auto query = projected_query.contiguous();  // (B, A)
  const bool recorded = torch::GradMode::is_enabled() &&
                        (query.requires_grad() || keys_.requires_grad() || v_.requires_grad());
  if (!recorded) return forward_energies(query, keys_, v_, padding_);  // (B, T_src)
  return StepEnergies::apply(query, keys_, v_, padding_,
                             c10::static_intrusive_pointer_cast<SummedKeysGradient>(summed_));  // (B, T_src)
}

}  // namespace s2s
