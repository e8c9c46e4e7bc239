// Specification of the EMA of the weights (train.ema_decay): the decay warms up as
// min(decay, (1+t)/(10+t)) (Marian, TensorFlow), each update is d*ema + (1-d)*weights on
// every parameter (checked against numbers worked out by hand), the trained weights are
// never touched, and the averages round-trip through a checkpoint exactly.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/Check.h"
#include "tests/model/ModelTestUtil.h"
#include "trainer/ExponentialMovingAverage.h"
#include "trainer/checkpoint/CheckpointCodec.h"

namespace s2s {
namespace {

Seq2Seq tiny_model() { return Seq2Seq(test::tiny_options(), 7, 9); }

void fill(Seq2Seq& model, double value) {
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) p.fill_(value);
}

// Every parameter of `model` is `value` (within the float32 rounding of the lerp).
void expect_all(const Seq2Seq& model, double value) {
  for (const auto& item : model->named_parameters()) {
    EXPECT_NEAR(item.value().min().item<double>(), value, 1e-4) << item.key();
    EXPECT_NEAR(item.value().max().item<double>(), value, 1e-4) << item.key();
  }
}

TEST(ExponentialMovingAverage, DecayWarmsUpAsOnePlusTOverTenPlusT) {
  EXPECT_EQ(ExponentialMovingAverage::decay_at(0.9999, 0), 0.1);   // 1/10
  EXPECT_EQ(ExponentialMovingAverage::decay_at(0.9999, 8), 0.5);   // 9/18
  EXPECT_EQ(ExponentialMovingAverage::decay_at(0.9999, 80), 0.9);  // 81/90
  EXPECT_EQ(ExponentialMovingAverage::decay_at(0.9999, 890), 0.99);  // 891/900
  EXPECT_EQ(ExponentialMovingAverage::decay_at(0.5, 9), 0.5);      // 10/19 > 0.5: the decay itself
  EXPECT_EQ(ExponentialMovingAverage::decay_at(0.05, 0), 0.05);
}

TEST(ExponentialMovingAverage, EachUpdateIsDecayTimesTheAveragePlusTheRestTimesTheWeights) {
  Seq2Seq trained = tiny_model();
  fill(trained, 10);
  ExponentialMovingAverage ema(trained, tiny_model(), 0.5);
  expect_all(ema.model(), 10);  // starts as a copy
  EXPECT_EQ(ema.updates(), 0);

  fill(trained, 20);
  ema.update();  // t = 0: d = 1/10: 0.1 * 10 + 0.9 * 20 = 19
  expect_all(ema.model(), 19);
  fill(trained, 30);
  ema.update();  // t = 1: d = 2/11: (2 * 19 + 9 * 30) / 11 = 308 / 11 = 28
  expect_all(ema.model(), 28);
  fill(trained, 40);
  ema.update();  // t = 2: d = 3/12: 0.25 * 28 + 0.75 * 40 = 37
  expect_all(ema.model(), 37);
  EXPECT_EQ(ema.updates(), 3);
  expect_all(trained, 40);  // the trained weights are read, never written

  ExponentialMovingAverage capped(trained, tiny_model(), 0.05);
  fill(trained, 0);
  capped.update();  // t = 0: d = min(0.05, 0.1) = 0.05: 0.05 * 40 + 0.95 * 0 = 2
  expect_all(capped.model(), 2);
}

TEST(ExponentialMovingAverage, ResetCopiesTheWeightsAgain) {
  Seq2Seq trained = tiny_model();
  fill(trained, 1);
  ExponentialMovingAverage ema(trained, tiny_model(), 0.9);
  fill(trained, 3);
  ema.update();
  ema.reset();
  expect_all(ema.model(), 3);
  EXPECT_EQ(ema.updates(), 0);
}

TEST(ExponentialMovingAverage, RoundTripsThroughACheckpointStateExactly) {
  torch::manual_seed(5);
  Seq2Seq trained = tiny_model();
  ExponentialMovingAverage ema(trained, tiny_model(), 0.9);
  for (int i = 0; i < 4; ++i) {
    fill(trained, i);
    ema.update();
  }
  CheckpointState state;
  ema.store(state);
  EXPECT_EQ(state.int_scalar("ema_updates"), 4);
  EXPECT_EQ(state.double_scalar("ema_decay"), 0.9);
  EXPECT_TRUE(CheckpointCodec::holds_ema(state));

  ExponentialMovingAverage resumed(tiny_model(), tiny_model(), 0.9);
  ASSERT_TRUE(resumed.restore(state));
  EXPECT_EQ(resumed.updates(), 4);
  const auto a = ema.model()->named_parameters(), b = resumed.model()->named_parameters();
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();
  // A checkpoint without EMA weights restores nothing.
  EXPECT_FALSE(resumed.restore(CheckpointState{}));
  EXPECT_EQ(resumed.updates(), 4);
}

TEST(ExponentialMovingAverage, ADecayOutsideZeroToOneIsRefused) {
  for (const double decay : {0.0, 1.0}) {
    try {
      ExponentialMovingAverage ema(tiny_model(), tiny_model(), decay);
      ADD_FAILURE() << "decay " << decay << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("train.ema_decay must be in (0, 1)"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace s2s
