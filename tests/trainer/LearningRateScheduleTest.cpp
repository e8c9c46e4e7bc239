// Specification of the learning-rate schedules: linear warm-up, then constant, inverse
// square root (fairseq's) or plateau decay; never below min_lr after warm-up.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/Error.h"
#include "trainer/LearningRateSchedule.h"

namespace s2s {
namespace {

TrainOptions options(ScheduleKind schedule, int64_t warmup) {
  TrainOptions o;
  o.schedule = schedule;
  o.lr = 1e-3;
  o.warmup_steps = warmup;
  o.min_lr = 1e-5;
  o.valid_metric = ValidMetric::loss;  // lower is better, unless a test says otherwise
  return o;
}

TEST(LearningRateSchedule, WarmupRisesLinearlyToThePeak) {
  LearningRateSchedule s(options(ScheduleKind::inverse_sqrt, 100));
  EXPECT_DOUBLE_EQ(s.at(1), 1e-5);
  EXPECT_DOUBLE_EQ(s.at(50), 5e-4);
  EXPECT_DOUBLE_EQ(s.at(100), 1e-3);
}

TEST(LearningRateSchedule, InverseSqrtDecaysAsFairseqDoes) {
  LearningRateSchedule s(options(ScheduleKind::inverse_sqrt, 100));
  EXPECT_DOUBLE_EQ(s.at(400), 1e-3 * std::sqrt(100.0 / 400.0));  // half the peak
  EXPECT_DOUBLE_EQ(s.at(10000), 1e-4);
  EXPECT_DOUBLE_EQ(s.at(100000000), 1e-5);  // floored at min_lr
}

TEST(LearningRateSchedule, ConstantStaysAtThePeakAndIgnoresValidation) {
  LearningRateSchedule s(options(ScheduleKind::constant, 0));
  EXPECT_DOUBLE_EQ(s.at(1), 1e-3);
  EXPECT_FALSE(s.observe_validation(5.0));
  EXPECT_FALSE(s.observe_validation(6.0));
  EXPECT_DOUBLE_EQ(s.at(1000000), 1e-3);
}

TEST(LearningRateSchedule, PlateauDecaysAfterPatienceStalls) {
  TrainOptions o = options(ScheduleKind::plateau, 0);
  o.plateau_patience = 2;
  o.plateau_factor = 0.5;
  LearningRateSchedule s(o);
  EXPECT_FALSE(s.observe_validation(3.0));  // best
  EXPECT_FALSE(s.observe_validation(2.0));  // better
  EXPECT_FALSE(s.observe_validation(2.5));  // stall 1
  EXPECT_FALSE(s.observe_validation(2.1));  // stall 2
  EXPECT_DOUBLE_EQ(s.at(10), 1e-3);
  EXPECT_TRUE(s.observe_validation(2.2));   // stall 3 > patience: decay
  EXPECT_DOUBLE_EQ(s.at(10), 5e-4);
  EXPECT_FALSE(s.observe_validation(2.3));  // patience starts again
  EXPECT_FALSE(s.observe_validation(1.0));  // improvement
  EXPECT_DOUBLE_EQ(s.at(10), 5e-4);
}

TEST(LearningRateSchedule, PlateauOnBleuTreatsHigherAsBetter) {
  TrainOptions o = options(ScheduleKind::plateau, 0);
  o.plateau_patience = 1;
  o.plateau_factor = 0.5;
  o.valid_metric = ValidMetric::bleu;
  LearningRateSchedule s(o);
  EXPECT_FALSE(s.observe_validation(10.0));  // best
  EXPECT_FALSE(s.observe_validation(20.0));  // better (a loss would have stalled here)
  EXPECT_FALSE(s.observe_validation(30.0));  // better
  EXPECT_DOUBLE_EQ(s.plateau_tracker().best(), 30.0);
  EXPECT_FALSE(s.observe_validation(25.0));  // stall 1
  EXPECT_TRUE(s.observe_validation(5.0));    // stall 2 > patience: decay
  EXPECT_DOUBLE_EQ(s.at(10), 5e-4);
}

TEST(LearningRateSchedule, RestoreContinuesThePlateauState) {
  TrainOptions o = options(ScheduleKind::plateau, 0);
  o.plateau_patience = 0;
  LearningRateSchedule a(o), b(o);
  a.observe_validation(2.0);
  a.observe_validation(3.0);  // decays
  b.restore(a.plateau_scale(), a.plateau_tracker().best(), a.plateau_tracker().stalls());
  EXPECT_DOUBLE_EQ(b.at(5), a.at(5));
  EXPECT_EQ(b.observe_validation(2.5), a.observe_validation(2.5));
  EXPECT_DOUBLE_EQ(b.at(5), a.at(5));
}

TEST(TrainOptions, ARunWithoutBudgetIsRefused) {
  TrainOptions o;
  o.max_steps = 0;
  o.max_epochs = 0;
  o.max_minutes = 0;
  EXPECT_THROW(o.validate(), Error);
  o.max_minutes = 0.5;
  EXPECT_NO_THROW(o.validate());
}

}  // namespace
}  // namespace s2s
