// Specification: dropout (model.dropout on embeddings, between stacked RNN layers, before
// the output projection; model.context_dropout, readout_input_dropout, source_word_dropout)
// is active in train() mode only, and its masks follow the pair (DropoutMasks): the same
// pair is dropped the same way in any batch.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

#include "tests/model/ModelTestUtil.h"
#include "model/Seq2Seq.h"

namespace s2s {
namespace {

// A tiny model (vocabularies of 10) whose initial weights depend on `seed` only, so two
// option sets built with one seed share their weights.
Seq2Seq seeded_model(const ModelOptions& options, uint64_t seed) {
  torch::manual_seed(seed);
  return Seq2Seq(options, 10, 10);
}

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
  Seq2Seq a = seeded_model(options, 5), b = seeded_model(options, 5);
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
  Seq2Seq a = seeded_model(with, 9), b = seeded_model(without, 9);
  a->eval();
  b->train();
  const auto batch = test::make_batch({{4, 5, 6}, {7}}, {{4, 5}, {6}});
  EXPECT_TRUE(torch::equal(a->forward(batch.src, batch.src_lengths, batch.tgt_in).logits,
                           b->forward(batch.src, batch.src_lengths, batch.tgt_in).logits));
}

// test::make_batch as the trainer's BatchTensors, with the given pair ids.
BatchTensors tensors(const test::Batch& b, std::vector<int64_t> pair_ids) {
  BatchTensors t;
  t.src = b.src;
  t.src_lengths = b.src_lengths;
  t.tgt_in = b.tgt_in;
  t.tgt_out = b.tgt_out;
  t.pair_ids = torch::tensor(pair_ids, torch::kLong);
  return t;
}

ModelOptions every_dropout(const std::string& cell, bool variational) {
  auto o = test::tiny_options(cell, 2, 2);
  o.dropout = 0.3;
  o.context_dropout = 0.2;
  o.readout_input_dropout = 0.2;
  o.source_word_dropout = 0.2;
  o.variational_dropout = variational;
  return o;
}

// What makes a resume on another number of ranks the same run: the pair with id 3 gets the
// same logits whether it shares its batch with pair 8 or with pairs 5 and 9, first or last,
// at another padded length.
TEST(Dropout, APairIsDroppedTheSameWayInAnyBatch) {
  for (const std::string cell : {"gru", "lstm"}) {
    for (const bool variational : {false, true}) {
      test::deterministic();
      Seq2Seq model(every_dropout(cell, variational), 12, 12);
      model->train();
      const std::vector<int64_t> x_src{4, 5, 6, 3}, x_tgt{7, 8, 9};
      const auto a = tensors(test::make_batch({x_src, {9, 10}}, {x_tgt, {4}}), {3, 8});
      const auto b = tensors(test::make_batch({{11, 4, 5, 6, 7, 8}, {6}, x_src}, {{5}, {10, 11, 4, 5, 6}, x_tgt}),
                             {5, 9, 3});
      const auto la = model->forward(a, DropoutMasks(42, 7, a.pair_ids)).logits;  // (2, 4, V)
      const auto lb = model->forward(b, DropoutMasks(42, 7, b.pair_ids)).logits;  // (3, 6, V)
      const int64_t T = 4;  // x's target length + 1
      EXPECT_TRUE(torch::allclose(la[0].slice(0, 0, T), lb[2].slice(0, 0, T), 1e-5, 1e-6))
          << cell << (variational ? " variational" : "");
      // ... and another update or seed drops it otherwise.
      const auto other = model->forward(a, DropoutMasks(42, 8, a.pair_ids)).logits;
      EXPECT_FALSE(torch::allclose(la[0], other[0], 1e-3, 1e-4)) << cell;
    }
  }
}

// Each key on its own changes the training function and leaves the eval function alone.
TEST(Dropout, EachKeyDropsSomethingInTrainingOnly) {
  const auto batch = test::make_batch({{4, 5, 6, 7}, {7, 8}}, {{4, 5, 6}, {6, 9}});
  const auto t = tensors(batch, {0, 1});
  for (const std::string key : {"dropout", "context_dropout", "readout_input_dropout", "source_word_dropout"}) {
    auto without = test::tiny_options("gru", 2, 2);
    auto with = without;
    double& p = key == "dropout" ? with.dropout
                : key == "context_dropout" ? with.context_dropout
                : key == "readout_input_dropout" ? with.readout_input_dropout
                                                 : with.source_word_dropout;
    p = 0.5;
    Seq2Seq a = seeded_model(with, 3), b = seeded_model(without, 3);
    a->train();
    b->train();
    const DropoutMasks masks(1, 1, t.pair_ids);
    EXPECT_FALSE(torch::allclose(a->forward(t, masks).logits, b->forward(t, masks).logits)) << key;
    a->eval();
    EXPECT_TRUE(torch::equal(a->forward(t, masks).logits, b->forward(t, masks).logits)) << key;
  }
}

// Source word dropout removes whole tokens: the model sees what it sees when those tokens'
// embeddings are zero (as <pad>'s row is) and the kept ones are scaled by 1 / (1 - p).
TEST(Dropout, SourceWordDropoutRemovesWholeWords) {
  test::deterministic();
  auto o = test::tiny_options("gru", 1, 1);
  o.source_word_dropout = 0.5;
  Seq2Seq dropping(o, 12, 12);
  auto plain_options = o;
  plain_options.source_word_dropout = 0.0;
  Seq2Seq reference(plain_options, 12, 12);
  {
    torch::NoGradGuard no_grad;
    auto to = reference->named_parameters();
    for (const auto& item : dropping->named_parameters()) to[item.key()].copy_(item.value());
    reference->encoder->embedding->weight.mul_(2.0);  // 1 / (1 - 0.5)
  }
  dropping->train();
  reference->train();
  const auto batch = test::make_batch({{4, 5, 6, 7, 8, 9, 10, 11}, {7, 8, 9, 10, 11}}, {{4, 5}, {6, 9, 3}});
  const auto t = tensors(batch, {20, 21});
  const DropoutMasks masks(9, 4, t.pair_ids);
  const auto words = masks.mask(DropoutSite::source_word, 0, batch.src.size(1), o.embed_dim, 0.5, false, true,
                                torch::kFloat).squeeze(2);  // (B, T_src)
  ASSERT_TRUE((words == 0).any().item<bool>() && (words != 0).any().item<bool>()) << "pick other pair ids";
  auto without_words = t;
  without_words.src = t.src.masked_fill(words == 0, kPadId);
  EXPECT_TRUE(torch::allclose(dropping->forward(t, masks).logits,
                              reference->forward(without_words, masks).logits, 1e-5, 1e-6));
}

}  // namespace
}  // namespace s2s
