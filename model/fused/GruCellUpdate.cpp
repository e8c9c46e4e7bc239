#include "model/fused/GruCellUpdate.h"

#include <algorithm>

#include <ATen/autocast_mode.h>

#include "model/fused/CpuKernelSupport.h"
#include "model/fused/GruCellKernel.h"

namespace s2s {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

// Rows the kernel can read: unit stride within a row (a narrow() of a wider product, as the
// decoder's recurrent gates, keeps its row stride and needs no copy).
torch::Tensor with_unit_columns(const torch::Tensor& x) { return x.stride(1) == 1 ? x : x.contiguous(); }

// s' of every row, and the rows' [r, z, n, h_n] into work (B, 4D) when it is defined. A row
// that active (bool, (B), or undefined: all) leaves out keeps s and gets r = 0, z = 1, n = 0,
// h_n = 0 as its work: then backward's formulas give its gates exactly zero gradient and pass
// the state's gradient through unchanged (dn = g (1 - z) ... = 0, dz = g (s - n) z (1 - z) = 0,
// ds = g z = g), with no branch there.
torch::Tensor forward_rows(const torch::Tensor& input, const torch::Tensor& recurrent, const torch::Tensor& hidden,
                           const torch::Tensor& active, const torch::Tensor& work) {
  const int64_t B = hidden.size(0), D = hidden.size(1);
  auto next = torch::empty({B, D}, hidden.options());  // (B, D)
  AT_DISPATCH_FLOATING_TYPES(hidden.scalar_type(), "gru cell", [&] {
    const scalar_t* x = input.data_ptr<scalar_t>();
    const scalar_t* h = recurrent.data_ptr<scalar_t>();
    const scalar_t* s = hidden.data_ptr<scalar_t>();
    scalar_t* out = next.data_ptr<scalar_t>();
    scalar_t* w = work.defined() ? work.data_ptr<scalar_t>() : nullptr;
    const bool* on = active.defined() ? active.data_ptr<bool>() : nullptr;
    const int64_t xs = input.stride(0), hs = recurrent.stride(0), ss = hidden.stride(0);
    at::parallel_for(0, B, 16, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        if (on && !on[b]) {
          std::copy_n(s + b * ss, D, out + b * D);
          if (w) {
            std::fill_n(w + b * 4 * D, 4 * D, scalar_t(0));
            std::fill_n(w + b * 4 * D + D, D, scalar_t(1));  // z = 1
          }
          continue;
        }
        gru_kernel::forward(x + b * xs, h + b * hs, s + b * ss, D, out + b * D, w ? w + b * 4 * D : nullptr);
      }
    });
  });
  return next;
}

struct GruCellStep : torch::autograd::Function<GruCellStep> {
  // active is not a tensor argument of the node (autograd cannot record an undefined one).
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& input, const torch::Tensor& recurrent,
                               const torch::Tensor& hidden, const torch::Tensor* active) {
    const auto work = torch::empty({hidden.size(0), 4 * hidden.size(1)}, hidden.options());  // (B, 4D)
    auto next = forward_rows(input, recurrent, hidden, *active, work);
    ctx->save_for_backward({hidden, work});
    return next;  // (B, D)
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &hidden = saved[0], &work = saved[1];
    const int64_t B = hidden.size(0), D = hidden.size(1);
    const auto grad = grads[0].contiguous();                   // (B, D)
    auto grad_input = torch::empty({B, 3 * D}, grad.options());  // (B, 3D)
    auto grad_recurrent = torch::empty({B, 3 * D}, grad.options());  // (B, 3D)
    auto grad_hidden = torch::empty({B, D}, grad.options());   // (B, D)
    AT_DISPATCH_FLOATING_TYPES(hidden.scalar_type(), "gru cell backward", [&] {
      const scalar_t* g = grad.data_ptr<scalar_t>();
      const scalar_t* s = hidden.data_ptr<scalar_t>();
      const scalar_t* w = work.data_ptr<scalar_t>();
      scalar_t* gx = grad_input.data_ptr<scalar_t>();
      scalar_t* gh = grad_recurrent.data_ptr<scalar_t>();
      scalar_t* gs = grad_hidden.data_ptr<scalar_t>();
      const int64_t ss = hidden.stride(0);
      at::parallel_for(0, B, 16, [&](int64_t begin, int64_t end) {
        for (int64_t b = begin; b < end; ++b)
          gru_kernel::backward(g + b * D, s + b * ss, w + b * 4 * D, D, gx + b * 3 * D, gh + b * 3 * D,
                               gs + b * D);
      });
    });
    return {grad_input, grad_recurrent, grad_hidden, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor gru_cell_update_composed(const torch::Tensor& input_gates, const torch::Tensor& recurrent_gates,
                                       const torch::Tensor& hidden, const torch::Tensor& active) {
  const auto i = input_gates.chunk(3, 1), h = recurrent_gates.chunk(3, 1);  // r, z, n: (B, D) each
  const auto reset = torch::sigmoid(h[0] + i[0]);
  const auto update = torch::sigmoid(h[1] + i[1]);
  const auto candidate = torch::tanh(i[2] + h[2] * reset);
  const auto next = (hidden - candidate) * update + candidate;  // (1 - z) n + z s, (B, D)
  return active.defined() ? torch::where(active.unsqueeze(1), next, hidden) : next;  // (B, D)
}

torch::Tensor gru_cell_update(const torch::Tensor& input_gates, const torch::Tensor& recurrent_gates,
                              const torch::Tensor& hidden, const torch::Tensor& active) {
  const auto type = hidden.scalar_type();
  const bool fused = hidden.device().is_cpu() && (type == torch::kFloat || type == torch::kDouble) &&
                     input_gates.scalar_type() == type && recurrent_gates.scalar_type() == type &&
                     input_gates.dim() == 2 && recurrent_gates.dim() == 2 && hidden.dim() == 2 &&
                     !at::autocast::is_autocast_enabled(torch::kCPU) && fused_kernels_run_here();
  if (!fused) return gru_cell_update_composed(input_gates, recurrent_gates, hidden, active);
  const int64_t B = hidden.size(0), D = hidden.size(1);
  TORCH_CHECK(input_gates.size(0) == B && input_gates.size(1) == 3 * D && recurrent_gates.size(0) == B &&
                  recurrent_gates.size(1) == 3 * D,
              "gru_cell_update: gates must be (B, 3D) for a (B, D) state");
  TORCH_CHECK(!active.defined() || (active.scalar_type() == torch::kBool && active.dim() == 1 &&
                                    active.size(0) == B && active.device() == hidden.device()),
              "gru_cell_update: active must be a (B) bool tensor on the state's device");
  const auto rows = active.defined() ? active.contiguous() : active;
  const auto input = with_unit_columns(input_gates), recurrent = with_unit_columns(recurrent_gates),
             state = with_unit_columns(hidden);
  const bool recorded = torch::GradMode::is_enabled() &&
                        (input.requires_grad() || recurrent.requires_grad() || state.requires_grad());
  if (!recorded) return forward_rows(input, recurrent, state, rows, torch::Tensor());  // (B, D)
  return GruCellStep::apply(input, recurrent, state, &rows);  // (B, D)
}

}  // namespace s2s
