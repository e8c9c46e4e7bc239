// TrainerState: the loop's own state in a checkpoint, as named root attributes that survive
// the round trip through a real file, and one clear error for a checkpoint that lacks one.
#include "trainer/TrainerState.h"

#include <gtest/gtest.h>

#include <limits>

#include "tests/support/ScratchDir.h"
#include "tests/trainer/checkpoint/CheckpointTestSupport.h"
#include "trainer/checkpoint/CheckpointStore.h"

namespace s2s {
namespace {

CheckpointState minimal_state() {
  CheckpointState s;
  s.step = 3;
  s.ranks.push_back({});
  return s;
}

TEST(TrainerState, SurvivesACheckpointFile) {
  TrainerState in;
  in.valid_metric = ValidMetric::chrf;
  in.schedule_plateau_scale = 0.25;
  in.schedule_best = -std::numeric_limits<double>::infinity();  // before any validation
  in.schedule_stalls = 2;
  in.early_stop_best = 61.5;
  in.early_stop_stalls = 1;
  CheckpointState state = minimal_state();
  in.store(state);

  test::ScratchDir run;
  const std::string path = CheckpointStore(run.path()).write(state);
  const TrainerState out = TrainerState::load(CheckpointStore::read_file(path));
  EXPECT_EQ(out.valid_metric, ValidMetric::chrf);
  EXPECT_EQ(out.schedule_plateau_scale, 0.25);
  EXPECT_EQ(out.schedule_best, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(out.schedule_stalls, 2);
  EXPECT_EQ(out.early_stop_best, 61.5);
  EXPECT_EQ(out.early_stop_stalls, 1);
}

TEST(TrainerState, AMissingAttributeNamesItAndTheFile) {
  CheckpointState state = minimal_state();
  TrainerState{}.store(state);
  state.scalars.erase("early_stop_stalls");
  state.source = "run/checkpoints/ckpt-00000003.h5";
  test::expect_error([&] { TrainerState::load(state); },
                     {"run/checkpoints/ckpt-00000003.h5", "'early_stop_stalls'"});
}

TEST(TrainerState, AnUnknownMetricIsRefused) {
  CheckpointState state = minimal_state();
  TrainerState{}.store(state);
  state.scalars["valid_metric"] = std::string("rouge");
  test::expect_error([&] { TrainerState::load(state); }, {"valid_metric 'rouge'", "loss, bleu, chrf, exact_match"});
}

TEST(TrainerState, CheckpointsFromBeforeValidMetricWatchedTheLoss) {
  CheckpointState state = minimal_state();
  TrainerState{}.store(state);
  state.scalars.erase("valid_metric");
  EXPECT_EQ(TrainerState::load(state).valid_metric, ValidMetric::loss);
}

}  // namespace
}  // namespace s2s
