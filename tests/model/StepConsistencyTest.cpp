// Specification: the teacher-forced forward pass and step-by-step decoding are the same
// function. Running step() with the gold previous tokens reproduces forward()'s log-probs
// and attention, and index_select on EncoderOutput / DecoderState (beam search's reorder)
// commutes with step().
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <tuple>

#include "tests/model/ModelTestUtil.h"
#include "model/Seq2Seq.h"

namespace s2s {
namespace {

using Config = std::tuple<std::string, std::string, int, int>;  // cell, readout, enc, dec layers

class StepConsistency : public ::testing::TestWithParam<Config> {
 protected:
  Seq2Seq make_model() {
    test::deterministic(11);
    const auto& [cell, readout, enc, dec] = GetParam();
    auto options = test::tiny_options(cell, enc, dec, readout);
    options.dropout = 0.2;  // must be inactive in eval()
    Seq2Seq model(options, 12, 10);
    model->eval();
    return model;
  }
};

TEST_P(StepConsistency, TeacherForcedForwardEqualsRepeatedStep) {
  auto model = make_model();
  const auto batch = test::make_batch({{4, 5, 6, 7}, {8}, {9, 10, 11}},
                                      {{4, 5, 6, 7, 8}, {9}, {5, 6}});
  const auto forward = model->forward(batch.src, batch.src_lengths, batch.tgt_in);
  const auto log_probs = torch::log_softmax(forward.logits, -1);  // (B, T_tgt, V)

  const auto encoded = model->encode(batch.src, batch.src_lengths);
  auto state = model->initial_state(encoded);
  for (int64_t t = 0; t < batch.tgt_in.size(1); ++t) {
    const auto step = model->step(encoded, state, batch.tgt_in.select(1, t));
    EXPECT_TRUE(torch::allclose(step.log_probs, log_probs.select(1, t), 0.0, 1e-5))
        << "step " << t << " max diff "
        << (step.log_probs - log_probs.select(1, t)).abs().max().item<double>();
    EXPECT_TRUE(torch::allclose(step.attention, forward.attention.select(1, t), 0.0, 1e-5))
        << "step " << t;
    state = step.state;
  }
}

TEST_P(StepConsistency, IndexSelectCommutesWithStep) {
  auto model = make_model();
  const auto batch = test::make_batch({{4, 5, 6, 7}, {8}, {9, 10, 11}}, {{4}, {9}, {5}});
  const auto encoded = model->encode(batch.src, batch.src_lengths);
  const auto state = model->initial_state(encoded);
  const auto tokens = torch::tensor({5, 6, 7}, torch::kLong);
  const auto full = model->step(encoded, state, tokens);

  // Beam-style: expand and reorder rows (with repeats), then step.
  const auto rows = torch::tensor({2, 0, 0, 1, 2}, torch::kLong);
  const auto picked = model->step(encoded.index_select(rows), state.index_select(rows),
                                  tokens.index_select(0, rows));
  EXPECT_TRUE(torch::allclose(picked.log_probs, full.log_probs.index_select(0, rows), 0.0, 1e-6));
  EXPECT_TRUE(torch::allclose(picked.attention, full.attention.index_select(0, rows), 0.0, 1e-6));
  EXPECT_TRUE(torch::allclose(picked.state.hidden, full.state.hidden.index_select(1, rows), 0.0,
                              1e-6));
  EXPECT_EQ(picked.state.cell.defined(), std::get<0>(GetParam()) == "lstm");
  if (picked.state.cell.defined()) {
    EXPECT_TRUE(
        torch::allclose(picked.state.cell, full.state.cell.index_select(1, rows), 0.0, 1e-6));
  }
  EXPECT_TRUE(torch::equal(encoded.index_select(rows).lengths, torch::tensor({3, 4, 4, 1, 3})));
}

TEST_P(StepConsistency, InitialStateIsTanhOfTheProjectedFirstBackwardAnnotation) {
  auto model = make_model();
  const auto& options = model->options();
  const auto batch = test::make_batch({{4, 5, 6}, {7, 8}}, {{4}, {5}});
  const auto encoded = model->encode(batch.src, batch.src_lengths);
  const auto state = model->initial_state(encoded);
  const int64_t H = options.encoder_hidden, L = options.decoder_layers,
                D = options.decoder_hidden;
  ASSERT_EQ(state.hidden.sizes(), (std::vector<int64_t>{L, 2, D}));
  const auto h1_backward = encoded.annotations.select(1, 0).narrow(1, H, H);  // (B, H)
  const auto& W_s = model->decoder->init_state;
  const auto expected = torch::tanh(torch::addmm(W_s->bias, h1_backward, W_s->weight.t()));
  for (int64_t l = 0; l < L; ++l) {
    EXPECT_TRUE(torch::allclose(state.hidden[l], expected.narrow(1, l * D, D), 0.0, 1e-6));
  }
  if (options.cell == CellKind::lstm) {
    EXPECT_TRUE((state.cell == 0).all().item<bool>());
  }
}

// Paper eq. 6: the attention of step t is queried with s_{t-1}, the top-layer state before
// the step, not with the state the step produces.
TEST_P(StepConsistency, AttentionIsQueriedWithThePreviousTopLayerState) {
  auto model = make_model();
  const auto batch = test::make_batch({{4, 5, 6, 7}, {8, 9}}, {{4}, {9}});
  const auto encoded = model->encode(batch.src, batch.src_lengths);
  auto state = model->initial_state(encoded);
  auto tokens = torch::full({2}, kBosId, torch::kLong);
  for (int t = 0; t < 3; ++t) {
    const auto top = state.hidden[state.num_layers() - 1];  // (B, D) s_{t-1}
    const auto expected = model->decoder->attention->forward(top, encoded.keys,
                                                             encoded.annotations, encoded.mask);
    const auto step = model->step(encoded, state, tokens);
    EXPECT_TRUE(torch::allclose(step.attention, expected.second, 0.0, 1e-6)) << "step " << t;
    state = step.state;
    tokens = torch::tensor({5, 6}, torch::kLong);
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, StepConsistency,
                         ::testing::Values(Config{"gru", "maxout", 1, 1},
                                           Config{"lstm", "tanh", 1, 1},
                                           Config{"gru", "tanh", 2, 3},
                                           Config{"lstm", "maxout", 3, 2}),
                         [](const ::testing::TestParamInfo<Config>& info) {
                           return std::get<0>(info.param) + "_" + std::get<1>(info.param) +
                                  "_enc" + std::to_string(std::get<2>(info.param)) + "_dec" +
                                  std::to_string(std::get<3>(info.param));
                         });

}  // namespace
}  // namespace s2s
