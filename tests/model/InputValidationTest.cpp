// Specification: every mistake a caller can make with the public API (Seq2Seq, options,
// index_select) throws s2s::Error with a message that says what is wrong, instead of
// crashing inside LibTorch or silently computing garbage.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>
#include <string>

#include "tests/model/ModelTestUtil.h"
#include "core/Error.h"
#include "model/Seq2Seq.h"

namespace s2s {
namespace {

// Runs `f`, which must throw s2s::Error whose message contains `needle`.
void expect_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message '" << e.what() << "' does not mention '" << needle << "'";
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw a non-s2s exception: " << e.what();
    return;
  }
  ADD_FAILURE() << "did not throw (expected an error about '" << needle << "')";
}

class InputValidation : public ::testing::Test {
 protected:
  void SetUp() override { test::deterministic(); }
  Seq2Seq model{test::tiny_options("lstm", 1, 2), 10, 9};
  test::Batch batch = test::make_batch({{4, 5, 6}, {7}}, {{4, 5}, {6}});
};

TEST_F(InputValidation, RejectsSourceLengthsOutsideOneToT) {
  expect_error([&] { model->forward(batch.src, torch::tensor({3, 0}), batch.tgt_in); },
               "src_lengths must lie in [1, 3]");
  expect_error([&] { model->encode(batch.src, torch::tensor({4, 1})); },
               "src_lengths must lie in [1, 3]");
  expect_error([&] { model->encode(batch.src, torch::tensor({-2, 1})); }, "got min -2");
}

TEST_F(InputValidation, RejectsWrongDtypesAndShapes) {
  expect_error([&] { model->encode(batch.src.to(torch::kInt), batch.src_lengths); },
               "src must hold int64");
  expect_error([&] { model->encode(batch.src.to(torch::kFloat), batch.src_lengths); },
               "src must hold int64");
  expect_error([&] { model->encode(batch.src, batch.src_lengths.to(torch::kInt)); },
               "src_lengths must be a 1-D int64");
  expect_error([&] { model->encode(batch.src[0], batch.src_lengths); },
               "src must be a (batch, time) matrix");
  expect_error([&] { model->encode(batch.src, torch::tensor({3, 1, 1})); },
               "src_lengths has 3 entries but src has 2 rows");
  expect_error([&] { model->forward(batch.src, batch.src_lengths, batch.tgt_in.to(torch::kInt)); },
               "tgt_in must hold int64");
  expect_error([&] { model->forward(batch.src, batch.src_lengths, batch.tgt_in.narrow(0, 0, 1)); },
               "tgt_in has 1 rows but src has 2");
  expect_error(
      [&] { model->forward(batch.src, batch.src_lengths, batch.tgt_in.narrow(1, 0, 0)); },
      "tgt_in has no columns");
}

TEST_F(InputValidation, RejectsTokenIdsOutsideTheVocabularies) {
  auto src = batch.src.clone();
  src[0][1] = 10;  // src_vocab is 10
  expect_error([&] { model->encode(src, batch.src_lengths); }, "source vocabulary has 10");
  src[0][1] = -1;
  expect_error([&] { model->encode(src, batch.src_lengths); }, "source vocabulary has 10");
  auto tgt = batch.tgt_in.clone();
  tgt[1][0] = 9;  // tgt_vocab is 9
  expect_error([&] { model->forward(batch.src, batch.src_lengths, tgt); },
               "target vocabulary has 9");
}

TEST_F(InputValidation, RejectsMismatchedStepInputs) {
  const auto encoded = model->encode(batch.src, batch.src_lengths);
  const auto state = model->initial_state(encoded);
  const auto bos = torch::full({2}, kBosId, torch::kLong);
  EXPECT_NO_THROW(model->step(encoded, state, bos));
  expect_error([&] { model->step(encoded, state, torch::full({3}, kBosId, torch::kLong)); },
               "prev_tokens has 3 entries but the EncoderOutput has 2 rows");
  expect_error([&] { model->step(encoded, state, bos.to(torch::kInt)); },
               "prev_tokens must hold int64");
  expect_error([&] { model->step(encoded, state, bos.view({2, 1})); }, "prev_tokens must be a 1-D");
  expect_error([&] { model->step(encoded, state.index_select(torch::tensor({0})), bos); },
               "the state has 1 rows but the EncoderOutput has 2");
  DecoderState no_cell = state;
  no_cell.cell = torch::Tensor();
  expect_error([&] { model->step(encoded, no_cell, bos); }, "LSTM state needs cell");
  DecoderState one_layer = state;
  one_layer.hidden = state.hidden.narrow(0, 0, 1);
  expect_error([&] { model->step(encoded, one_layer, bos); }, "state.hidden must be (2, batch, 7)");
  expect_error([&] { encoded.index_select(torch::tensor({0.0f})); }, "1-D int64");
  expect_error([&] { state.index_select(torch::tensor({{0}})); }, "1-D int64");
}

TEST(ModelOptionsValidation, RejectsInconsistentOrOutOfRangeOptions) {
  auto tied = test::tiny_options();
  tied.tie_embeddings = true;  // readout_dim 3 != embed_dim 6
  expect_error([&] { tied.validate(); }, "model.readout_dim (3) differs from model.embed_dim (6)");
  expect_error([&] { Seq2Seq(tied, 10, 10); }, "model.tie_embeddings");
  tied.readout_dim = tied.embed_dim;
  EXPECT_NO_THROW(tied.validate());

  auto bad = test::tiny_options();
  // Words outside gru/lstm and maxout/tanh are refused where a config is read
  // (ConfigLoaderTest); options built in code can still hold a value no word names.
  bad.cell = static_cast<CellKind>(7);
  expect_error([&] { bad.validate(); }, "model.cell is not one of gru, lstm");
  bad = test::tiny_options();
  bad.readout = static_cast<ReadoutKind>(7);
  expect_error([&] { bad.validate(); }, "model.readout is not one of maxout, tanh");
  bad = test::tiny_options();
  bad.dropout = 1.0;
  expect_error([&] { bad.validate(); }, "model.dropout");
  bad = test::tiny_options();
  bad.embed_dim = 0;
  expect_error([&] { bad.validate(); }, "model.embed_dim");
  bad = test::tiny_options();
  bad.label_smoothing = -0.5;
  expect_error([&] { bad.validate(); }, "model.label_smoothing");
  EXPECT_NO_THROW(ModelOptions().validate());  // the defaults are valid
}

TEST(ModelOptionsValidation, RejectsVocabulariesWithoutRoomForSpecialTokens) {
  expect_error([&] { Seq2Seq(test::tiny_options(), 3, 10); }, "source vocabulary has 3 entries");
  expect_error([&] { Seq2Seq(test::tiny_options(), 10, 2); }, "target vocabulary has 2 entries");
}

}  // namespace
}  // namespace s2s
