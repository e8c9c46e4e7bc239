// TrainStep on one process: a filler batch (a repeat that only keeps a rank in step with the
// others) contributes exactly nothing to an update, even when its loss is not finite: the
// update equals the one without it, bit for bit, and is not skipped. An update is Adam on
// the token-mean gradient, clipped as clip_grad_norm_ clips. With train.precision
// bf16 the forward runs under autocast and training follows the float32 run closely.
#include "trainer/TrainStep.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "data/TokenIds.h"
#include "tests/trainer/comm/FakeCommunicator.h"

namespace s2s {
namespace {

constexpr int64_t kVocab = 17;
constexpr int64_t kPoison = kVocab - 1;  // a token only the filler batch holds

// One batch of the given (source, target) rows, ids without </s>.
BatchTensors batch_of(const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>>& rows,
                      bool filler = false) {
  Batch b;
  b.size = static_cast<int64_t>(rows.size());
  b.filler = filler;
  for (const auto& [src, tgt] : rows) {
    b.src_len = std::max<int64_t>(b.src_len, static_cast<int64_t>(src.size()) + 1);
    b.tgt_len = std::max<int64_t>(b.tgt_len, static_cast<int64_t>(tgt.size()) + 1);
  }
  b.src.assign(b.size * b.src_len, kPadId);
  b.tgt_in.assign(b.size * b.tgt_len, kPadId);
  b.tgt_out.assign(b.size * b.tgt_len, kPadId);
  for (int64_t r = 0; r < b.size; ++r) {
    const auto& [src, tgt] = rows[static_cast<size_t>(r)];
    for (size_t j = 0; j <= src.size(); ++j) b.src[r * b.src_len + j] = j < src.size() ? src[j] : kEosId;
    for (size_t j = 0; j <= tgt.size(); ++j) {
      b.tgt_out[r * b.tgt_len + j] = j < tgt.size() ? tgt[j] : kEosId;
      b.tgt_in[r * b.tgt_len + j] = j == 0 ? kBosId : tgt[j - 1];
    }
    b.src_lengths.push_back(static_cast<int64_t>(src.size()) + 1);
    b.tgt_lengths.push_back(static_cast<int64_t>(tgt.size()) + 1);
    b.src_tokens += b.src_lengths.back();
    b.tgt_tokens += b.tgt_lengths.back();
  }
  return BatchTensors::from(b, torch::kCPU);
}

// A tiny model whose embeddings of kPoison (source and target) are as large as a float
// gets: a batch holding it has a non-finite loss, while every parameter stays finite.
Seq2Seq poisoned_model() {
  ModelOptions m;
  m.embed_dim = m.encoder_hidden = m.readout_dim = m.attention_dim = 8;
  m.decoder_hidden = 12;
  m.dropout = 0.0;
  torch::manual_seed(3);
  Seq2Seq model(m, kVocab, kVocab);
  torch::NoGradGuard no_grad;
  for (auto& item : model->named_parameters())
    if (item.key().find("embedding") != std::string::npos) item.value()[kPoison].fill_(3e38);
  return model;
}

TrainOptions training() {
  TrainOptions t;
  t.lr = 0.01;
  t.warmup_steps = 0;
  t.accumulate = 2;
  return t;
}

TEST(TrainStep, AFillerBatchContributesExactlyZeroEvenWhenItsLossIsNotFinite) {
  const BatchTensors real = batch_of({{{4, 5, 6}, {7, 8}}, {{9, 10}, {11, 12, 13}}});
  const BatchTensors filler = batch_of({{{4, kPoison, 6}, {7, kPoison, 8}}}, /*filler=*/true);

  // The premise: the filler batch's loss is not finite (its parameters are).
  {
    Seq2Seq model = poisoned_model();
    for (const auto& p : model->parameters()) ASSERT_TRUE(torch::isfinite(p).all().item<bool>());
    const auto out = model->forward(filler.src, filler.src_lengths, filler.tgt_in);
    ASSERT_FALSE(std::isfinite(LabelSmoothedLoss(0.1)(out.logits, filler.tgt_out).loss_sum.item<double>()));
  }

  test::FakeCommunicator comm_a(1), comm_b(1);
  Seq2Seq with_filler = poisoned_model(), without = poisoned_model();
  TrainStep step_a(with_filler, 0.1, training(), comm_a, /*dropout_seed=*/1);
  TrainStep step_b(without, 0.1, training(), comm_b, /*dropout_seed=*/1);
  const UpdateStats a = step_a.apply({real, filler}, 1);
  const UpdateStats b = step_b.apply({real}, 1);

  EXPECT_FALSE(a.skipped) << "the filler's non-finite loss reached the gradients";
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.loss_sum, b.loss_sum);
  EXPECT_EQ(a.grad_norm, b.grad_norm);
  const auto pa = with_filler->named_parameters(), pb = without->named_parameters();
  for (const auto& item : pa) {
    EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key() << " differs";
  }
}

TEST(TrainStep, AnUpdateOfOnlyFillerBatchesChangesNothingButTheStepCount) {
  // A rank whose every micro-batch is a filler still takes part in the all-reduce (every
  // gradient bucket, as the GradientSync's record shows) and sends zeros.
  const BatchTensors filler = batch_of({{{4, kPoison, 6}, {7, 8}}}, /*filler=*/true);
  test::FakeCommunicator comm(1);
  Seq2Seq model = poisoned_model();
  std::vector<torch::Tensor> before;
  for (const auto& p : model->parameters()) before.push_back(p.detach().clone());
  TrainStep step(model, 0.1, training(), comm, /*dropout_seed=*/1);
  const UpdateStats u = step.apply({filler, filler}, 1);
  EXPECT_EQ(u.tokens, 0);
  EXPECT_EQ(u.loss_sum, 0.0);
  EXPECT_EQ(u.grad_norm, 0.0);
  EXPECT_FALSE(u.skipped);
  EXPECT_EQ(comm.record()->calls.load(), static_cast<int>(step.sync().buckets().size()) + 1);  // + the sums
  const auto params = model->parameters();
  for (size_t i = 0; i < params.size(); ++i) EXPECT_TRUE(torch::equal(params[i], before[i])) << i;
}

// The update is Adam on the token-mean gradient, clipped to train.clip_norm as
// torch::nn::utils::clip_grad_norm_ clips: after one update Adam's first moment is
// (1 - beta1) times that gradient, which shows its scale (Adam's first step alone would not).
void expect_adam_on_the_clipped_token_mean_gradient(double clip_norm, bool expect_clipping) {
  const BatchTensors batch = batch_of({{{4, 5, 6}, {7, 8}}, {{9, 10}, {11, 12, 13}}, {{5, 5}, {6}}});
  TrainOptions t = training();
  t.accumulate = 1;
  t.clip_norm = clip_norm;
  test::FakeCommunicator comm(1);
  Seq2Seq trained = poisoned_model();  // dropout 0: the plain forward below is the same function
  TrainStep step(trained, 0.1, t, comm, /*dropout_seed=*/1);
  const UpdateStats u = step.apply({batch}, 1);
  ASSERT_FALSE(u.skipped);

  Seq2Seq reference = poisoned_model();
  reference->train();
  const auto out = reference->forward(batch.src, batch.src_lengths, batch.tgt_in);
  const LossOutput loss = LabelSmoothedLoss(0.1)(out.logits, batch.tgt_out);
  loss.loss_sum.backward();
  const auto params = reference->parameters();
  for (const auto& p : params) p.mutable_grad().div_(static_cast<double>(loss.tokens));
  const double norm = torch::nn::utils::clip_grad_norm_(params, clip_norm);
  EXPECT_EQ(norm > clip_norm, expect_clipping) << "the premise: norm " << norm << ", clip " << clip_norm;
  EXPECT_NEAR(u.grad_norm, norm, 1e-5 * norm);

  const auto trained_params = trained->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& state = static_cast<const torch::optim::AdamParamState&>(
        *step.optimizer().state().at(trained_params[i].unsafeGetTensorImpl()));
    const auto expected = (1 - t.beta1) * params[i].grad();
    const double scale = expected.abs().max().item<double>();
    EXPECT_LE((state.exp_avg() - expected).abs().max().item<double>(), 1e-5 * scale + 1e-12) << "parameter " << i;
  }
}

TEST(TrainStep, UpdatesWithAdamOnTheTokenMeanGradient) {
  expect_adam_on_the_clipped_token_mean_gradient(/*clip_norm=*/1e6, /*expect_clipping=*/false);
}

TEST(TrainStep, ClipsTheTokenMeanGradientToClipNormAsClipGradNormDoes) {
  expect_adam_on_the_clipped_token_mean_gradient(/*clip_norm=*/1e-3, /*expect_clipping=*/true);
}

// Batches of random pairs of ordinary tokens (ids 4..kPoison-1), the same for a seed.
std::vector<BatchTensors> random_batches(int count, uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<BatchTensors> batches;
  for (int b = 0; b < count; ++b) {
    std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> rows;
    for (int r = 0; r < 4; ++r) {
      const auto words = [](int64_t length) {
        const auto ids = torch::randint(4, kPoison, {length}, torch::kLong);
        return std::vector<int64_t>(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + length);
      };
      rows.emplace_back(words(3 + (r + b) % 4), words(2 + (2 * r + b) % 5));
    }
    batches.push_back(batch_of(rows));
  }
  return batches;
}

struct TrainedRun {
  std::vector<double> losses;  // [updates] loss per target token of each update
  Seq2Seq model{nullptr};
  std::unique_ptr<TrainStep> step;
};

TrainedRun train(Precision precision, const std::vector<BatchTensors>& batches, int updates,
          test::FakeCommunicator& comm) {
  TrainOptions t = training();
  t.accumulate = 1;
  t.precision = precision;
  TrainedRun run;
  run.model = poisoned_model();  // kPoison never occurs in the batches
  run.step = std::make_unique<TrainStep>(run.model, 0.1, t, comm, /*dropout_seed=*/1);
  for (int s = 1; s <= updates; ++s) {
    const UpdateStats u = run.step->apply({batches[static_cast<size_t>(s - 1) % batches.size()]}, s);
    EXPECT_FALSE(u.skipped) << "update " << s;
    run.losses.push_back(u.loss_sum / static_cast<double>(u.tokens));
  }
  return run;
}

TEST(TrainStep, Bf16AutocastFollowsTheFp32RunAndKeepsFloat32MasterWeights) {
  // bfloat16 keeps 8 bits of mantissa (relative rounding ~4e-3 per product); over 20
  // updates of a tiny model the per-token loss stays within 2% of the float32 run's.
  constexpr double kTolerance = 2e-2;
  constexpr int kUpdates = 20;
  const std::vector<BatchTensors> batches = random_batches(5, 11);
  test::FakeCommunicator comm_fp32(1), comm_bf16(1);
  const TrainedRun fp32 = train(Precision::fp32, batches, kUpdates, comm_fp32);
  const TrainedRun bf16 = train(Precision::bf16, batches, kUpdates, comm_bf16);

  bool any_differs = false;
  double worst = 0;
  for (int s = 0; s < kUpdates; ++s) {
    EXPECT_NEAR(bf16.losses[s], fp32.losses[s], kTolerance * fp32.losses[s]) << "update " << s + 1;
    any_differs = any_differs || bf16.losses[s] != fp32.losses[s];
    worst = std::max(worst, std::abs(bf16.losses[s] - fp32.losses[s]) / fp32.losses[s]);
  }
  std::cout << "[   bf16   ] worst relative loss difference to fp32 over " << kUpdates
            << " updates: " << worst << " (bound " << kTolerance << ")\n";
  EXPECT_LT(fp32.losses.back(), fp32.losses.front()) << "the runs did not learn: a weak comparison";
  EXPECT_TRUE(any_differs) << "the bf16 run equals the fp32 run bit for bit: autocast did nothing";
  for (const auto& item : bf16.model->named_parameters()) {
    EXPECT_EQ(item.value().scalar_type(), torch::kFloat) << item.key();
  }
  for (const auto& group : bf16.step->optimizer().param_groups())
    for (const auto& p : group.params()) {
      const auto& state = static_cast<const torch::optim::AdamParamState&>(
          *bf16.step->optimizer().state().at(p.unsafeGetTensorImpl()));
      EXPECT_EQ(state.exp_avg().scalar_type(), torch::kFloat);
      EXPECT_EQ(state.exp_avg_sq().scalar_type(), torch::kFloat);
    }
}

}  // namespace
}  // namespace s2s
