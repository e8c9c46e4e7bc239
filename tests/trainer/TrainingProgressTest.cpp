// Specification of the progress line and metrics record: per-token loss and perplexity
// over the interval, global and per-rank throughput, and where the time went.
#include <gtest/gtest.h>

#include <cmath>

#include "trainer/TrainingProgress.h"

namespace s2s {
namespace {

TEST(TrainingProgress, AveragesPerTokenOverTheIntervalAndSplitsTime) {
  TrainingProgress p(/*world_size=*/2);
  UpdateStats u;
  u.tokens = 1000;
  u.loss_sum = 2000;  // 2.0 per token
  u.nll_sum = 1000;   // 1.0 per token -> ppl e
  u.lr = 1e-3;
  u.grad_norm = 0.5;
  u.compute_seconds = 0.8;
  u.comm_seconds = 0.15;
  u.data_seconds = 0.05;
  u.total_seconds = 1.0;
  p.add(u);
  u.loss_sum = 1000;  // second update: 1.0 per token
  p.add(u);
  p.add_rank_wait(0.2);  // 10% of the 2 s

  const auto r = p.record(20, 3);
  EXPECT_EQ(r["step"], 20);
  EXPECT_EQ(r["epoch"], 3);
  EXPECT_DOUBLE_EQ(r["loss"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(r["ppl"].get<double>(), std::exp(1.0));
  EXPECT_DOUBLE_EQ(r["tokens_per_s"].get<double>(), 1000.0);
  EXPECT_DOUBLE_EQ(r["tokens_per_s_per_rank"].get<double>(), 500.0);
  EXPECT_DOUBLE_EQ(r["compute_share"].get<double>(), 0.8);

  const std::string line = p.line(20, 3, 125);
  EXPECT_NE(line.find("step 20 | epoch 3 | loss 1.5000 | ppl 2.72"), std::string::npos) << line;
  EXPECT_NE(line.find("1.0k tok/s (500/rank)"), std::string::npos) << line;
  EXPECT_NE(line.find("compute 80% comm 15% data 5%"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 2m05s"), std::string::npos) << line;
  EXPECT_NE(line.find("rank wait 10%"), std::string::npos) << line;
  EXPECT_DOUBLE_EQ(r["rank_wait_share"].get<double>(), 0.1);
}

TEST(TrainingProgress, ResetStartsANewInterval) {
  TrainingProgress p(1);
  UpdateStats u;
  u.tokens = 10;
  u.total_seconds = 1;
  p.add(u);
  p.reset();
  EXPECT_EQ(p.updates(), 0);
  EXPECT_EQ(p.record(1, 1)["tokens"], 0);
}

}  // namespace
}  // namespace s2s
