#include "trainer/ExponentialMovingAverage.h"

#include <algorithm>

#include "core/Check.h"
#include "trainer/checkpoint/CheckpointCodec.h"

namespace s2s {

ExponentialMovingAverage::ExponentialMovingAverage(Seq2Seq trained, Seq2Seq averaged, double decay)
    : averaged_(std::move(averaged)),
      trained_(trained->parameters()),
      averages_(averaged_->parameters()),
      decay_(decay) {
  S2S_CHECK(decay > 0 && decay < 1, "train.ema_decay must be in (0, 1) for an EMA, got {}", decay);
  S2S_ASSERT(trained_.size() == averages_.size());
  for (size_t i = 0; i < trained_.size(); ++i) {
    S2S_ASSERT(trained_[i].sizes() == averages_[i].sizes() && trained_[i].device() == averages_[i].device());
    averages_[i].set_requires_grad(false);  // an average, never trained
  }
  reset();
}

double ExponentialMovingAverage::decay_at(double decay, int64_t updates) {
  const auto t = static_cast<double>(updates);
  return std::min(decay, (1.0 + t) / (10.0 + t));
}

void ExponentialMovingAverage::update() {
  torch::NoGradGuard no_grad;
  // lerp: ema + (1 - d) * (weights - ema) = d * ema + (1 - d) * weights, in place; the
  // weight is a host scalar, so nothing waits for the device.
  at::_foreach_lerp_(averages_, trained_, 1.0 - decay_at(decay_, updates_));
  ++updates_;
}

void ExponentialMovingAverage::reset() {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < trained_.size(); ++i) averages_[i].copy_(trained_[i]);
  updates_ = 0;
}

void ExponentialMovingAverage::store(CheckpointState& state) const {
  CheckpointCodec::capture_model(averaged_->named_parameters(), state, ModelWeights::ema);
  state.scalars["ema_updates"] = updates_;
  state.scalars["ema_decay"] = decay_;
}

bool ExponentialMovingAverage::restore(const CheckpointState& state) {
  if (!CheckpointCodec::holds_ema(state)) return false;
  const int64_t updates = state.int_scalar("ema_updates");  // read first: a damaged file changes nothing
  CheckpointCodec::restore_model(averaged_->named_parameters(), state, ModelWeights::ema);
  updates_ = updates;
  return true;
}

}  // namespace s2s
