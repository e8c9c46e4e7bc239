// Specification: the model can learn. A small model memorises a handful of reversal pairs
// with Adam within a few hundred full-batch steps, and greedy decoding through step() then
// reproduces the targets.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <string>

#include "tests/model/ModelTestUtil.h"
#include "model/LabelSmoothedLoss.h"
#include "model/Seq2Seq.h"

namespace s2s {
namespace {

struct OverfitCase {
  std::string cell;
  std::string readout;
};

void PrintTo(const OverfitCase& c, std::ostream* os) { *os << c.cell << "/" << c.readout; }

class Overfit : public ::testing::TestWithParam<OverfitCase> {
 protected:
  // S2S_OVERFIT_SEED lets a developer check that passing is not luck of one seed.
  static uint64_t GetSeed() {
    const char* env = std::getenv("S2S_OVERFIT_SEED");
    return env ? std::strtoull(env, nullptr, 10) : 3;
  }
};

TEST_P(Overfit, DrivesTheLossOfEightReversalPairsNearZero) {
  test::deterministic(GetSeed());
  ModelOptions options;
  options.cell = parse_enum<CellKind>(GetParam().cell).value();
  options.readout = parse_enum<ReadoutKind>(GetParam().readout).value();
  options.embed_dim = 16;
  options.encoder_hidden = 16;
  options.decoder_hidden = 32;
  options.attention_dim = 16;
  options.readout_dim = 16;
  options.dropout = 0.0;
  options.label_smoothing = 0.0;
  const int64_t vocab = 14;  // 4 specials + 10 symbols
  Seq2Seq model(options, vocab, vocab);

  std::vector<std::vector<int64_t>> xs, ys;
  for (int i = 0; i < 8; ++i) {
    const int64_t n = 3 + i % 4;  // lengths 3..6
    const auto x = torch::randint(4, vocab, {n}, torch::kLong);
    xs.emplace_back(x.data_ptr<int64_t>(), x.data_ptr<int64_t>() + n);
    ys.emplace_back(xs.back().rbegin(), xs.back().rend());
  }
  const auto batch = test::make_batch(xs, ys);

  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1e-2));
  LabelSmoothedLoss criterion(0.0);
  model->train();
  double nll_per_token = 0.0;
  for (int step = 0; step < 300; ++step) {
    adam.zero_grad();
    const auto out = model->forward(batch.src, batch.src_lengths, batch.tgt_in);
    const auto loss = criterion(out.logits, batch.tgt_out);
    (loss.loss_sum / static_cast<double>(loss.tokens)).backward();
    adam.step();
    nll_per_token = loss.nll_sum.item<double>() / static_cast<double>(loss.tokens);
  }
  RecordProperty("final_nll_per_token", std::to_string(nll_per_token));
  EXPECT_LT(nll_per_token, 0.05);

  // Greedy decoding with the step API reproduces every target.
  model->eval();
  torch::NoGradGuard no_grad;
  const auto encoded = model->encode(batch.src, batch.src_lengths);
  auto state = model->initial_state(encoded);
  auto tokens = torch::full({8}, kBosId, torch::kLong);
  std::vector<torch::Tensor> decoded;
  for (int64_t t = 0; t < batch.tgt_out.size(1); ++t) {
    const auto step = model->step(encoded, state, tokens);
    tokens = step.log_probs.argmax(-1);
    state = step.state;
    decoded.push_back(tokens);
  }
  const auto hyp = torch::stack(decoded, 1);  // (8, T_tgt)
  const auto real = batch.tgt_out != kPadId;
  EXPECT_TRUE(torch::equal(hyp.masked_select(real), batch.tgt_out.masked_select(real)))
      << hyp << batch.tgt_out;
}

INSTANTIATE_TEST_SUITE_P(Cells, Overfit,
                         ::testing::Values(OverfitCase{"gru", "maxout"},
                                           OverfitCase{"lstm", "tanh"}),
                         [](const ::testing::TestParamInfo<OverfitCase>& info) {
                           return info.param.cell + "_" + info.param.readout;
                         });

}  // namespace
}  // namespace s2s
