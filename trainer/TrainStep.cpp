#include "trainer/TrainStep.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

#include "core/Check.h"
#include "core/Clock.h"
#include "core/Log.h"
#include "trainer/AutocastScope.h"
#include "trainer/optim/FusedAdam.h"
#include "trainer/optim/FusedAdamW.h"

namespace s2s {
namespace {

const Log log("train");

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainOptions& o,
                                                        const std::vector<torch::Tensor>& params) {
  if (o.optimizer == OptimizerKind::adamw) {
    return std::make_unique<FusedAdamW>(
        params, torch::optim::AdamWOptions(o.lr)
                    .betas({o.beta1, o.beta2})
                    .eps(o.adam_eps)
                    .weight_decay(o.weight_decay));
  }
  return std::make_unique<FusedAdam>(
      params, torch::optim::AdamOptions(o.lr)
                  .betas({o.beta1, o.beta2})
                  .eps(o.adam_eps)
                  .weight_decay(o.weight_decay));
}

// The global L2 norm of the token-mean gradient (grad / tokens) and the divisor that turns
// each summed gradient into the token-mean one clipped to max_norm, as
// torch::nn::utils::clip_grad_norm_ clips (coefficient max_norm / (norm + 1e-6), at most 1):
// divisor = tokens / coefficient, () float32. Both stay on the device (no host sync); the
// gradients are only read here, once each: the optimizer divides them in its own pass
// (GradientDivisor.h). tokens: () float64, the global target token count, >= 1.
struct ClipDivisor {
  torch::Tensor norm;     // () float64: of the token-mean gradient, before clipping
  torch::Tensor divisor;  // () float32
};

ClipDivisor clip_divisor(const std::vector<torch::Tensor>& parameters, const torch::Tensor& tokens,
                         double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> norms;
  for (const auto& p : parameters)
    if (p.grad().defined()) norms.push_back(p.grad().norm(2));
  if (norms.empty()) return {torch::zeros({}, tokens.options()), tokens.to(torch::kFloat)};
  const auto summed = norms.size() == 1 ? norms[0] : torch::stack(norms).norm(2);  // () of the summed gradient
  const auto norm = summed.to(torch::kFloat64) / tokens;                               // ()
  const auto coef = torch::clamp(max_norm / (norm + 1e-6), std::nullopt, 1.0);        // ()
  return {norm, (tokens / coef).to(torch::kFloat)};
}

}  // namespace

TrainStep::TrainStep(Seq2Seq model, double label_smoothing, const TrainOptions& options,
                     Communicator& comm, uint64_t dropout_seed)
    : model_(std::move(model)),
      criterion_(label_smoothing),
      options_(options),
      comm_(comm),
      dropout_seed_(dropout_seed),
      parameters_(model_->parameters()),
      optimizer_(make_optimizer(options, parameters_)),
      gradient_divisor_(dynamic_cast<GradientDivisor*>(optimizer_.get())),
      schedule_(options) {
  S2S_ASSERT(gradient_divisor_ != nullptr);  // make_optimizer makes only fused Adam / AdamW
  GradientSyncOptions sync_options;
  sync_options.bucket_mb = options.bucket_mb;
  sync_options.overlap = options.overlap_allreduce;
  sync_ = std::make_unique<GradientSync>(parameters_, comm_, sync_options);
}

TrainStep::~TrainStep() = default;

void TrainStep::backward_zero() {
  // A filler batch only keeps this rank in step with the others: every gradient bucket must
  // still be produced and all-reduced, but its contribution is exactly zero. Not the batch's
  // loss x 0: a non-finite loss times 0 is NaN, and would reach every rank's gradients.
  // sum(p * 0) has gradient exactly 0 for every (finite) parameter, and no forward pass.
  torch::Tensor zero = torch::zeros({}, parameters_.front().options());
  for (const auto& p : parameters_) zero = zero + (p * 0).sum();
  zero.backward();
}

UpdateStats TrainStep::apply(const std::vector<BatchTensors>& micro_batches, int64_t step,
                             const std::function<void()>& backward_done) {
  S2S_ASSERT(!micro_batches.empty());
  UpdateStats u;
  model_->train();

  // This rank's sums over its micro-batches, as tensors (no device sync per micro-batch).
  auto sums = torch::zeros({3}, torch::TensorOptions().dtype(torch::kFloat64).device(comm_.device()));
  auto t0 = Clock::now();
  for (size_t micro = 0; micro < micro_batches.size(); ++micro) {
    const BatchTensors& batch = micro_batches[micro];
    sync_->set_sync_enabled(micro + 1 == micro_batches.size());
    auto phase = Clock::now();
    if (batch.filler) {
      backward_zero();
      u.backward_seconds += seconds_since(phase);
      continue;
    }
    // The host knows the batch's token count and its ids were checked at load: no sync.
    const DropoutMasks masks(dropout_seed_, static_cast<uint64_t>(step), batch.pair_ids);
    torch::Tensor logits;  // (B, T_tgt, V) float32
    {
      const AutocastScope autocast(comm_.device().type(), options_.precision);
      logits = model_->forward(batch, masks).logits;
    }
    // The loss in float32 whatever the forward ran in: log-softmax over V and sums over
    // thousands of tokens are where bfloat16's 8-bit mantissa would cost accuracy.
    const LossOutput loss = criterion_(logits.to(torch::kFloat), batch.tgt_out, batch.tgt_tokens);
    u.forward_seconds += seconds_since(phase);
    phase = Clock::now();
    loss.loss_sum.backward();
    u.backward_seconds += seconds_since(phase);
    sums[0] += loss.loss_sum.detach().to(torch::kFloat64);
    sums[1] += loss.nll_sum.to(torch::kFloat64);
    sums[2] += static_cast<double>(loss.tokens);
  }
  u.compute_seconds = seconds_since(t0);

  if (backward_done) backward_done();
  t0 = Clock::now();
  const GradientSyncStats sync = sync_->finish();  // param.grad() now holds the sum over ranks
  u.compute_seconds += seconds_since(t0) - sync.wait_s;  // packing what backward did not reach
  t0 = Clock::now();
  comm_.all_reduce_sum(sums);  // one all-reduce for the three sums
  u.comm_seconds = sync.wait_s + seconds_since(t0);

  t0 = Clock::now();
  // Scaling and clipping stay on the device; the sums and the norm then reach the host in
  // one copy, the update's only device-to-host transfer (the skip decision needs the norm).
  const double max_norm =
      options_.clip_norm > 0 ? options_.clip_norm : std::numeric_limits<double>::infinity();
  const ClipDivisor clip = clip_divisor(parameters_, sums[2].clamp_min(1.0), max_norm);
  const auto totals = torch::cat({sums, clip.norm.view({1})}).cpu();  // (4)
  u.loss_sum = totals[0].item<double>();
  u.nll_sum = totals[1].item<double>();
  u.tokens = static_cast<int64_t>(std::llround(totals[2].item<double>()));
  u.grad_norm = totals[3].item<double>();
  u.lr = schedule_.at(step);
  // Gradients are identical on every rank after the all-reduce, so every rank makes the
  // same decision here without talking.
  if (!std::isfinite(u.grad_norm)) {
    u.skipped = true;
    ++nonfinite_in_row_;
    log.warn("step {}: non-finite gradient norm, update skipped ({} in a row)", step,
             nonfinite_in_row_);
    S2S_CHECK(nonfinite_in_row_ < options_.max_nonfinite_in_row,
              "step {}: {} updates in a row had non-finite gradients; lower train.lr or check "
              "the data (train.max_nonfinite_in_row={})",
              step, nonfinite_in_row_, options_.max_nonfinite_in_row);
  } else {
    nonfinite_in_row_ = 0;
    for (auto& group : optimizer_->param_groups()) group.options().set_lr(u.lr);
    // The gradients become the token-mean ones, clipped, inside the optimizer's own pass.
    gradient_divisor_->divide_gradients_in_next_step(clip.divisor);
    optimizer_->step();
  }
  // In place, in the gradient buckets: the optimiser's zero_grad() would drop the gradients
  // (set_to_none), and the next backward would allocate new ones that GradientSync must copy in.
  sync_->zero_grads();
  u.optimizer_seconds = seconds_since(t0);
  u.compute_seconds += u.optimizer_seconds;
  return u;
}

}  // namespace s2s
