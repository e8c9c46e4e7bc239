#include "model/fused/SmoothedCrossEntropy.h"

#include <atomic>

#include "core/Check.h"
#include "model/fused/CpuKernelSupport.h"
#include "model/fused/CrossEntropyKernel.h"

namespace s2s {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

// Rows split over threads; each row's numbers do not depend on the thread count.
template <class F>
void for_each_row(int64_t rows, F f) {
  at::parallel_for(0, rows, 16, [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) f(n);
  });
}

struct SmoothedRowsStep : torch::autograd::Function<SmoothedRowsStep> {
  // Returns loss (N), nll (N), lse (N); only loss carries a gradient.
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& scores, const torch::Tensor& targets,
                               double epsilon, int64_t pad_id) {
    const int64_t N = scores.size(0), V = scores.size(1);
    auto loss = torch::zeros({N}, scores.options()), nll = torch::zeros({N}, scores.options()),
         lse = torch::zeros({N}, scores.options());  // (N) each
    std::atomic<bool> bad_id{false};
    AT_DISPATCH_FLOATING_TYPES(scores.scalar_type(), "smoothed cross entropy", [&] {
      const scalar_t* x = scores.data_ptr<scalar_t>();
      const int64_t* y = targets.data_ptr<int64_t>();
      scalar_t *l = loss.data_ptr<scalar_t>(), *o = nll.data_ptr<scalar_t>(), *s = lse.data_ptr<scalar_t>();
      for_each_row(N, [&](int64_t n) {
        if (y[n] == pad_id) return;
        if (y[n] < 0 || y[n] >= V) {
          bad_id = true;
          return;
        }
        cross_entropy_kernel::row_forward(x + n * V, V, y[n], static_cast<scalar_t>(epsilon), l + n, o + n, s + n);
      });
    });
    S2S_CHECK(!bad_id, "loss: a target id lies outside [0, {}) (the target vocabulary)", V);
    ctx->save_for_backward({scores, targets, lse});
    ctx->saved_data["epsilon"] = epsilon;
    ctx->saved_data["pad_id"] = pad_id;
    ctx->mark_non_differentiable({nll, lse});
    return {loss, nll, lse};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &scores = saved[0], &targets = saved[1], &lse = saved[2];
    const double epsilon = ctx->saved_data["epsilon"].toDouble();
    const int64_t pad_id = ctx->saved_data["pad_id"].toInt();
    const int64_t N = scores.size(0), V = scores.size(1);
    const auto grad_rows = grads[0].contiguous();  // (N)
    auto grad = torch::empty_like(scores);         // (N, V)
    AT_DISPATCH_FLOATING_TYPES(scores.scalar_type(), "smoothed cross entropy backward", [&] {
      const scalar_t* x = scores.data_ptr<scalar_t>();
      const int64_t* y = targets.data_ptr<int64_t>();
      const scalar_t *s = lse.data_ptr<scalar_t>(), *g = grad_rows.data_ptr<scalar_t>();
      scalar_t* out = grad.data_ptr<scalar_t>();
      for_each_row(N, [&](int64_t n) {
        if (y[n] == pad_id) {
          std::fill(out + n * V, out + (n + 1) * V, scalar_t(0));
          return;
        }
        cross_entropy_kernel::row_backward(x + n * V, V, y[n], s[n], g[n], static_cast<scalar_t>(epsilon),
                                           out + n * V);
      });
    });
    return {grad, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

SmoothedRows smoothed_cross_entropy_composed(const torch::Tensor& scores, const torch::Tensor& targets,
                                             double epsilon, int64_t pad_id) {
  const int64_t vocab = scores.size(1);
  const auto lprobs = torch::log_softmax(scores, -1);                     // (N, V)
  const auto pad = targets.eq(pad_id);                                    // (N) bool
  const auto nll = -lprobs.gather(1, targets.unsqueeze(1)).squeeze(1);    // (N)
  const auto smooth = -lprobs.sum(1);                                     // (N)
  const auto loss = (1.0 - epsilon) * nll + (epsilon / static_cast<double>(vocab)) * smooth;
  // masked_fill (not multiplication by the mask) so that a non-finite score on a pad row
  // cannot turn the sum into NaN.
  return {loss.masked_fill(pad, 0.0), nll.masked_fill(pad, 0.0).detach()};
}

SmoothedRows smoothed_cross_entropy(const torch::Tensor& scores, const torch::Tensor& targets, double epsilon,
                                    int64_t pad_id) {
  const auto type = scores.scalar_type();
  const bool fused = scores.device().is_cpu() && (type == torch::kFloat || type == torch::kDouble) &&
                     scores.dim() == 2 && scores.size(1) > 0 && fused_kernels_run_here();
  if (!fused) return smoothed_cross_entropy_composed(scores, targets, epsilon, pad_id);
  const auto rows = SmoothedRowsStep::apply(scores.contiguous(), targets.contiguous(), epsilon, pad_id);
  return {rows[0], rows[1]};
}

}  // namespace s2s
