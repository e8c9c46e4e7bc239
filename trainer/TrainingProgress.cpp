#include "trainer/TrainingProgress.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace s2s {
namespace {

std::string si(double x) {  // 12345 -> "12.3k"
  if (x >= 1e6) return fmt::format("{:.1f}M", x / 1e6);
  if (x >= 1e3) return fmt::format("{:.1f}k", x / 1e3);
  return fmt::format("{:.0f}", x);
}

std::string duration(double s) {
  const int64_t t = static_cast<int64_t>(std::llround(s));
  if (t >= 3600) return fmt::format("{}h{:02d}m", t / 3600, static_cast<int>(t % 3600 / 60));
  if (t >= 60) return fmt::format("{}m{:02d}s", t / 60, static_cast<int>(t % 60));
  return fmt::format("{}s", t);
}

double percent(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }

}  // namespace

void TrainingProgress::add(const UpdateStats& u) {
  ++updates_;
  skipped_ += u.skipped;
  tokens_ += u.tokens;
  loss_ += u.loss_sum;
  nll_ += u.nll_sum;
  data_ += u.data_seconds;
  compute_ += u.compute_seconds;
  comm_ += u.comm_seconds;
  total_ += u.total_seconds;
  last_grad_norm_ = u.grad_norm;
  last_lr_ = u.lr;
}

std::string TrainingProgress::line(int64_t step, int64_t epoch, double eta_seconds) const {
  const double tokens = std::max<double>(tokens_, 1);
  const double tok_s = total_ > 0 ? tokens_ / total_ : 0;
  std::string s = fmt::format(
      "step {} | epoch {} | loss {:.4f} | ppl {:.2f} | lr {:.2e} | gnorm {:.3f} | {} tok/s "
      "({}/rank) | compute {:.0f}% comm {:.0f}% data {:.0f}%",
      step, epoch, loss_ / tokens, std::exp(std::min(nll_ / tokens, 50.0)), last_lr_,
      last_grad_norm_, si(tok_s), si(tok_s / world_size_), percent(compute_, total_),
      percent(comm_, total_), percent(data_, total_));
  if (world_size_ > 1) s += fmt::format(" | rank wait {:.0f}%", percent(rank_wait_, total_));
  if (skipped_ > 0) s += fmt::format(" | {} skipped (non-finite)", skipped_);
  if (eta_seconds >= 0) s += " | ETA " + duration(eta_seconds);
  return s;
}

nlohmann::json TrainingProgress::record(int64_t step, int64_t epoch) const {
  const double tokens = std::max<double>(tokens_, 1);
  return {{"kind", "train"},
          {"step", step},
          {"epoch", epoch},
          {"loss", loss_ / tokens},
          {"nll", nll_ / tokens},
          {"ppl", std::exp(std::min(nll_ / tokens, 50.0))},
          {"lr", last_lr_},
          {"grad_norm", last_grad_norm_},
          {"tokens", tokens_},
          {"tokens_per_s", total_ > 0 ? tokens_ / total_ : 0.0},
          {"tokens_per_s_per_rank", total_ > 0 ? tokens_ / total_ / world_size_ : 0.0},
          {"compute_share", total_ > 0 ? compute_ / total_ : 0.0},
          {"comm_share", total_ > 0 ? comm_ / total_ : 0.0},
          {"data_share", total_ > 0 ? data_ / total_ : 0.0},
          {"rank_wait_share", total_ > 0 ? rank_wait_ / total_ : 0.0},
          {"skipped", skipped_},
          {"seconds", total_}};
}

}  // namespace s2s
