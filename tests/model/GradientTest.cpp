// Specification: backpropagation computes the gradient of the label-smoothed loss. Checked
// against central finite differences in float64 for sampled entries of EVERY parameter
// tensor (the largest-gradient entry plus random ones), for both cells, both readouts,
// stacked layers and tied embeddings.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>

#include "tests/model/ModelTestUtil.h"
#include "model/LabelSmoothedLoss.h"
#include "model/Seq2Seq.h"

namespace s2s {
namespace {

struct GradConfig {
  std::string name;
  std::string cell;
  std::string readout;
  int encoder_layers;
  int decoder_layers;
  bool tie;
};

void PrintTo(const GradConfig& c, std::ostream* os) { *os << c.name; }

class Gradients : public ::testing::TestWithParam<GradConfig> {};

TEST_P(Gradients, MatchCentralFiniteDifferencesForEveryParameterTensor) {
  const auto& c = GetParam();
  test::deterministic(7);
  auto options = test::tiny_options(c.cell, c.encoder_layers, c.decoder_layers, c.readout);
  options.tie_embeddings = c.tie;
  if (c.tie) options.readout_dim = options.embed_dim;
  options.label_smoothing = 0.1;
  Seq2Seq model(options, 9, 8);
  model->to(torch::kDouble);
  model->eval();  // dropout is 0 anyway; the function must be deterministic

  const auto batch = test::make_batch({{4, 5, 6, 7}, {8}, {6, 4}}, {{4, 5}, {6, 7, 4}, {5}});
  LabelSmoothedLoss criterion(options.label_smoothing);
  auto loss_value = [&]() {
    return criterion(model->forward(batch.src, batch.src_lengths, batch.tgt_in).logits,
                     batch.tgt_out)
        .loss_sum;
  };

  model->zero_grad();
  loss_value().backward();

  constexpr double h = 1e-6;
  constexpr int kRandomSamples = 3;
  int checked = 0;
  torch::NoGradGuard no_grad;
  for (const auto& item : model->named_parameters()) {
    const auto& param = item.value();
    ASSERT_TRUE(param.grad().defined()) << item.key() << " got no gradient";
    const auto grad = param.grad().reshape({-1});
    ASSERT_GT(grad.abs().max().item<double>(), 0.0)
        << item.key() << " has an all-zero gradient: it does not influence the loss";
    auto flat = param.view({-1});  // shares storage: writes perturb the model
    std::vector<int64_t> entries = {grad.abs().argmax().item<int64_t>()};
    for (int i = 0; i < kRandomSamples; ++i) {
      entries.push_back(torch::randint(flat.numel(), {1}, torch::kLong).item<int64_t>());
    }
    for (const int64_t i : entries) {
      const double original = flat[i].item<double>();
      flat[i].fill_(original + h);
      const double plus = loss_value().item<double>();
      flat[i].fill_(original - h);
      const double minus = loss_value().item<double>();
      flat[i].fill_(original);
      const double numeric = (plus - minus) / (2 * h);
      const double analytic = grad[i].item<double>();
      EXPECT_NEAR(analytic, numeric, 1e-7 + 1e-5 * std::abs(numeric))
          << item.key() << " entry " << i;
      ++checked;
    }
  }
  EXPECT_GE(checked, 4 * 20);
}

INSTANTIATE_TEST_SUITE_P(
    Configs, Gradients,
    ::testing::Values(GradConfig{"gru_maxout_2x2", "gru", "maxout", 2, 2, false},
                      GradConfig{"gru_tanh_tied", "gru", "tanh", 1, 1, true},
                      GradConfig{"lstm_maxout", "lstm", "maxout", 1, 1, false},
                      GradConfig{"lstm_tanh_2x2", "lstm", "tanh", 2, 2, false}),
    [](const ::testing::TestParamInfo<GradConfig>& info) { return info.param.name; });

}  // namespace
}  // namespace s2s
