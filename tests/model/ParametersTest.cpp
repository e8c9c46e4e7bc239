// Specification: parameters have stable names that follow the module tree (checkpoints and
// the trainer's per-parameter logging rely on them; model/README.md lists them), and
// tie_embeddings makes the output projection use the target embedding's very storage.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/model/ModelTestUtil.h"
#include "model/LabelSmoothedLoss.h"
#include "model/Seq2Seq.h"

namespace s2s {
namespace {

using Named = std::vector<std::pair<std::string, std::vector<int64_t>>>;

Named names_and_shapes(const Seq2Seq& model) {
  Named out;
  for (const auto& p : model->named_parameters()) {
    out.emplace_back(p.key(), p.value().sizes().vec());
  }
  return out;
}

// The encoder part for 2 bidirectional layers of `gates` * H = rows, E = 6, H = 5.
Named encoder_params(int64_t rows) {
  Named out = {{"encoder.embedding.weight", {10, 6}}};
  for (const std::string layer : {"l0", "l1"}) {
    for (const std::string dir : {"", "_reverse"}) {
      const int64_t input = layer == "l0" ? 6 : 10;
      out.push_back({"encoder.rnn.weight_ih_" + layer + dir, {rows, input}});
      out.push_back({"encoder.rnn.weight_hh_" + layer + dir, {rows, 5}});
      out.push_back({"encoder.rnn.bias_ih_" + layer + dir, {rows}});
      out.push_back({"encoder.rnn.bias_hh_" + layer + dir, {rows}});
    }
  }
  return out;
}

// The decoder part for 2 layers: E = 6, 2H = 10, L * D = 14, A = 4, R = 3, V = 9.
Named decoder_params(int64_t rows) {
  return {{"decoder.embedding.weight", {9, 6}},
          {"decoder.init_state.weight", {14, 5}},
          {"decoder.init_state.bias", {14}},
          {"decoder.attention.W.weight", {4, 7}},
          {"decoder.attention.U.weight", {4, 10}},
          {"decoder.attention.U.bias", {4}},
          {"decoder.attention.v.weight", {1, 4}},
          {"decoder.cells.0.weight_ih", {rows, 16}},
          {"decoder.cells.0.weight_hh", {rows, 7}},
          {"decoder.cells.0.bias_ih", {rows}},
          {"decoder.cells.0.bias_hh", {rows}},
          {"decoder.cells.1.weight_ih", {rows, 7}},
          {"decoder.cells.1.weight_hh", {rows, 7}},
          {"decoder.cells.1.bias_ih", {rows}},
          {"decoder.cells.1.bias_hh", {rows}},
          {"decoder.readout.linear.weight", {6, 23}},  // maxout: 2R rows over D + E + 2H
          {"decoder.readout.linear.bias", {6}},
          {"decoder.output.weight", {9, 3}},
          {"decoder.output.bias", {9}}};
}

Named concat(Named a, const Named& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(Parameters, NamesAndShapesArePinnedForGru) {
  test::deterministic();
  Seq2Seq model(test::tiny_options("gru", 2, 2), 10, 9);
  EXPECT_EQ(names_and_shapes(model), concat(encoder_params(3 * 5), decoder_params(3 * 7)));
}

TEST(Parameters, NamesAndShapesArePinnedForLstm) {
  test::deterministic();
  Seq2Seq model(test::tiny_options("lstm", 2, 2), 10, 9);
  EXPECT_EQ(names_and_shapes(model), concat(encoder_params(4 * 5), decoder_params(4 * 7)));
}

TEST(Parameters, TiedModelHasNoOutputWeightOnlyItsBias) {
  test::deterministic();
  auto options = test::tiny_options("gru", 1, 1, "tanh");
  options.tie_embeddings = true;
  options.readout_dim = options.embed_dim;
  Seq2Seq model(options, 10, 9);
  std::vector<std::string> names;
  for (const auto& p : model->named_parameters()) names.push_back(p.key());
  const std::vector<std::string> decoder_names(names.begin() + 9, names.end());
  EXPECT_EQ(decoder_names, (std::vector<std::string>{
                               "decoder.output_bias", "decoder.embedding.weight",
                               "decoder.init_state.weight", "decoder.init_state.bias",
                               "decoder.attention.W.weight", "decoder.attention.U.weight",
                               "decoder.attention.U.bias", "decoder.attention.v.weight",
                               "decoder.cells.0.weight_ih", "decoder.cells.0.weight_hh",
                               "decoder.cells.0.bias_ih", "decoder.cells.0.bias_hh",
                               "decoder.readout.linear.weight", "decoder.readout.linear.bias"}));
}

TEST(Parameters, TieEmbeddingsSharesTheTargetEmbeddingStorage) {
  test::deterministic();
  auto options = test::tiny_options("lstm");
  options.tie_embeddings = true;
  options.readout_dim = options.embed_dim;
  Seq2Seq model(options, 10, 9);
  const auto& decoder = model->decoder;
  EXPECT_TRUE(decoder->output_weight().is_same(decoder->embedding->weight));
  EXPECT_EQ(decoder->output_weight().data_ptr(), decoder->embedding->weight.data_ptr());
  // One parameter, so an optimiser updates the shared matrix exactly once per step.
  int64_t seen = 0;
  for (const auto& p : model->parameters()) seen += p.is_same(decoder->embedding->weight);
  EXPECT_EQ(seen, 1);

  // The projection's gradient reaches the embedding: token 8 never appears as decoder
  // input, so only the output projection can give its row a gradient.
  const auto batch = test::make_batch({{4, 5}}, {{4, 5, 6}});
  const auto out = model->forward(batch.src, batch.src_lengths, batch.tgt_in);
  LabelSmoothedLoss(0.0)(out.logits, batch.tgt_out).loss_sum.backward();
  EXPECT_TRUE((decoder->embedding->weight.grad()[8] != 0).any().item<bool>());

  // Still shared after an optimiser step and after a dtype conversion.
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.1));
  sgd.step();
  EXPECT_TRUE(decoder->output_weight().is_same(decoder->embedding->weight));
  model->to(torch::kDouble);
  EXPECT_EQ(decoder->output_weight().data_ptr(), decoder->embedding->weight.data_ptr());
  EXPECT_EQ(decoder->output_weight().scalar_type(), torch::kDouble);
}

TEST(Parameters, UntiedOutputProjectionHasItsOwnStorage) {
  test::deterministic();
  Seq2Seq model(test::tiny_options(), 10, 9);
  EXPECT_FALSE(model->decoder->output_weight().is_same(model->decoder->embedding->weight));
  EXPECT_NE(model->decoder->output_weight().data_ptr(),
            model->decoder->embedding->weight.data_ptr());
}

TEST(Parameters, PaddingEmbeddingRowsStartAtZeroAndGetNoGradientFromLookups) {
  test::deterministic();
  Seq2Seq model(test::tiny_options(), 10, 9);
  EXPECT_TRUE((model->encoder->embedding->weight[kPadId] == 0).all().item<bool>());
  EXPECT_TRUE((model->decoder->embedding->weight[kPadId] == 0).all().item<bool>());
  const auto batch = test::make_batch({{4, 5, 6}, {7}}, {{4}, {5, 6, 7}});
  const auto out = model->forward(batch.src, batch.src_lengths, batch.tgt_in);
  LabelSmoothedLoss(0.1)(out.logits, batch.tgt_out).loss_sum.backward();
  EXPECT_TRUE((model->encoder->embedding->weight.grad()[kPadId] == 0).all().item<bool>());
  EXPECT_TRUE((model->decoder->embedding->weight.grad()[kPadId] == 0).all().item<bool>());
}

}  // namespace
}  // namespace s2s
