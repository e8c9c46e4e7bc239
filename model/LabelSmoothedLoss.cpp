#include "model/LabelSmoothedLoss.h"

#include "core/Check.h"
#include "model/fused/SmoothedCrossEntropy.h"

namespace s2s {

LabelSmoothedLoss::LabelSmoothedLoss(double epsilon, int64_t pad_id)
    : epsilon_(epsilon), pad_id_(pad_id) {
  S2S_CHECK(epsilon >= 0.0 && epsilon < 1.0,
            "label smoothing epsilon is {}: it must be in [0, 1) (model.label_smoothing)", epsilon);
}

void LabelSmoothedLoss::check(const torch::Tensor& logits, const torch::Tensor& targets) {
  S2S_CHECK(logits.defined() && targets.defined(), "loss: logits and targets must be defined");
  S2S_CHECK(logits.is_floating_point(), "loss: logits must be floating point, got {}",
            c10::toString(logits.scalar_type()));
  S2S_CHECK(targets.scalar_type() == torch::kLong, "loss: targets must be int64 ids, got {}",
            c10::toString(targets.scalar_type()));
  S2S_CHECK(logits.dim() == targets.dim() + 1 &&
                logits.sizes().slice(0, targets.dim()) == targets.sizes(),
            "loss: logits {} must be targets {} plus a vocabulary dimension",
            c10::str(logits.sizes()), c10::str(targets.sizes()));
  S2S_CHECK(logits.device() == targets.device(), "loss: logits are on {} but targets on {}",
            logits.device().str(), targets.device().str());
  S2S_CHECK(targets.numel() > 0, "loss: targets are empty");
  S2S_CHECK(logits.size(-1) >= 1, "loss: logits have an empty vocabulary dimension");
}

LossOutput LabelSmoothedLoss::operator()(const torch::Tensor& logits,
                                         const torch::Tensor& targets) const {
  check(logits, targets);
  const int64_t vocab = logits.size(-1);
  const auto flat_targets = targets.reshape({-1});  // (N)
  // One transfer for the count and the range check (a bad id would otherwise crash the
  // gather, on CUDA with an unhelpful device-side assert).
  const auto stats = torch::stack({flat_targets.ne(pad_id_).sum(), flat_targets.min(),
                                   flat_targets.max()}).cpu();  // (3) int64
  const int64_t lo = stats[1].item<int64_t>();
  const int64_t hi = stats[2].item<int64_t>();
  S2S_CHECK(lo >= 0 && hi < vocab,
            "loss: target ids must lie in [0, {}) (the target vocabulary), got min {} max {}",
            vocab, lo, hi);
  return sums(logits, targets, stats[0].item<int64_t>());
}

LossOutput LabelSmoothedLoss::operator()(const torch::Tensor& logits, const torch::Tensor& targets,
                                         int64_t tokens) const {
  check(logits, targets);
  return sums(logits, targets, tokens);
}

LossOutput LabelSmoothedLoss::sums(const torch::Tensor& logits, const torch::Tensor& targets,
                                   int64_t tokens) const {
  const int64_t vocab = logits.size(-1);
  // Half-precision log-softmax over a large vocabulary loses too much; float32 is enough.
  const auto scores = logits.scalar_type() == torch::kDouble ? logits : logits.to(torch::kFloat);
  const auto rows = smoothed_cross_entropy(scores.reshape({-1, vocab}), targets.reshape({-1}), epsilon_,
                                           pad_id_);  // (N) each
  LossOutput out;
  out.loss_sum = rows.loss.sum();
  out.nll_sum = rows.nll.sum().detach();
  out.tokens = tokens;
  return out;
}

}  // namespace s2s
