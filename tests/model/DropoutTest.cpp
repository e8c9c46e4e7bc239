// Specification: dropout (on embeddings, between stacked RNN layers, before the output
// projection) is active in train() mode only.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tests/model/ModelTestUtil.h"
#include "model/Seq2Seq.h"

namespace s2s {
namespace {

TEST(Dropout, IsStochasticInTrainModeAndOffInEvalMode) {
  test::deterministic();
  auto options = test::tiny_options("gru", 2, 2);
  options.dropout = 0.5;
  Seq2Seq model(options, 10, 10);
  const auto batch = test::make_batch({{4, 5, 6}, {7}}, {{4, 5}, {6}});
  auto run = [&] { return model->forward(batch.src, batch.src_lengths, batch.tgt_in).logits; };

  model->train();
  EXPECT_FALSE(torch::equal(run(), run()));
  model->eval();
  const auto eval = run();
  EXPECT_TRUE(torch::equal(eval, run()));

  // With p = 0 training mode computes exactly the eval function.
  options.dropout = 0.0;
  torch::manual_seed(5);
  Seq2Seq a(options, 10, 10);
  torch::manual_seed(5);
  Seq2Seq b(options, 10, 10);
  a->train();
  b->eval();
  EXPECT_TRUE(torch::equal(a->forward(batch.src, batch.src_lengths, batch.tgt_in).logits,
                           b->forward(batch.src, batch.src_lengths, batch.tgt_in).logits));
}

// eval() switches off every dropout site: the same weights with p = 0.4 in eval() mode and
// with p = 0 in train() mode compute the same logits.
TEST(Dropout, EvalModeMatchesAModelWithoutDropout) {
  test::deterministic();
  auto with = test::tiny_options("lstm", 2, 2);
  with.dropout = 0.4;
  auto without = with;
  without.dropout = 0.0;
  torch::manual_seed(9);
  Seq2Seq a(with, 10, 10);
  torch::manual_seed(9);
  Seq2Seq b(without, 10, 10);
  a->eval();
  b->train();
  const auto batch = test::make_batch({{4, 5, 6}, {7}}, {{4, 5}, {6}});
  EXPECT_TRUE(torch::equal(a->forward(batch.src, batch.src_lengths, batch.tgt_in).logits,
                           b->forward(batch.src, batch.src_lengths, batch.tgt_in).logits));
}

}  // namespace
}  // namespace s2s
