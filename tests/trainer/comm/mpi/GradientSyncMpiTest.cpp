// GradientSync across real ranks: after finish(), every rank's gradients equal the plain sum
// of every rank's own gradients, whatever the bucketing (boundaries inside the model, a
// parameter larger than a bucket, odd sizes, two dtypes), with parameters some ranks do not
// use, with accumulation, and with or without overlap. The expected sum is computed without
// communication: each rank replays every rank's micro-batches on a copy of the parameters.
#include "trainer/comm/GradientSync.h"

#include <gtest/gtest.h>

#include "core/Error.h"
#include "tests/trainer/comm/mpi/MpiTestEnv.h"
#include "trainer/comm/ParameterChecksum.h"

namespace s2s {
namespace {

// Parameters: an embedding, an odd-sized MLP, one parameter larger than the small buckets,
// one used only on even ranks, one used by no rank, and a float64 one.
std::vector<torch::Tensor> make_params() {
  torch::manual_seed(42);  // the same on every rank, as after broadcast_parameters
  std::vector<torch::Tensor> params = {
      torch::randn({37, 5}),             // 0 embedding
      torch::randn({5, 13}) * 0.3,       // 1
      torch::randn({13}) * 0.1,          // 2
      torch::randn({13, 3}) * 0.3,       // 3
      torch::randn({600}) * 0.01,        // 4: 2400 bytes, larger than a 1000-byte bucket
      torch::randn({9}),                 // 5: used on even ranks only
      torch::randn({4}),                 // 6: used by no rank
      torch::randn({3, 3}, torch::kDouble)};  // 7
  for (auto& p : params) p.requires_grad_();
  return params;
}

// Rank `rank`'s loss for micro-batch `micro`: its own data.
torch::Tensor loss(const std::vector<torch::Tensor>& p, int rank, int step, int micro) {
  torch::manual_seed(1000 * rank + 10 * step + micro + 7);
  const torch::Tensor ids = torch::randint(0, 37, {6}, torch::kLong);
  const torch::Tensor h = torch::tanh(p[0].index_select(0, ids).matmul(p[1]) + p[2]);  // [6, 13]
  torch::Tensor total = h.matmul(p[3]).pow(2).sum();
  total = total + (p[4] * torch::randn({600})).sum() + h.mean() * p[4].sum();
  if (rank % 2 == 0) total = total + (p[5] * p[5]).sum() * (micro + 1);
  total = total + p[7].matmul(torch::randn({3, 3}, torch::kDouble)).sum().to(torch::kFloat);
  return total;
}

// The sum over all ranks of each rank's gradient (summed over its micro-batches).
std::vector<torch::Tensor> expected_sum(int size, int step, int micros) {
  std::vector<torch::Tensor> total;
  for (const auto& p : make_params()) total.push_back(torch::zeros_like(p));
  for (int r = 0; r < size; ++r) {
    const std::vector<torch::Tensor> p = make_params();
    for (int m = 0; m < micros; ++m) loss(p, r, step, m).backward();
    for (size_t i = 0; i < p.size(); ++i)
      if (p[i].grad().defined()) total[i] += p[i].grad();
  }
  return total;
}

struct Case {
  double bucket_mb;
  bool overlap;
  int micros;  // micro-batches per update (accumulation)
};

class GradientSyncMpiTest : public ::testing::TestWithParam<Case> {};

TEST_P(GradientSyncMpiTest, EveryRankGetsThePlainSumOfAllRanksGradients) {
  const Case c = GetParam();
  Runtime& runtime = test::runtime();
  const std::vector<torch::Tensor> params = make_params();
  GradientSyncOptions options;
  options.bucket_mb = c.bucket_mb;
  options.overlap = c.overlap;
  GradientSync sync(params, *runtime.make_communicator(), options);
  EXPECT_EQ(sync.overlaps(), c.overlap && runtime.thread_multiple());
  if (c.bucket_mb < 0.01) {
    EXPECT_GE(sync.buckets().size(), 5u);
  }

  for (int step = 0; step < 2; ++step) {
    for (const auto& p : params) p.mutable_grad() = torch::Tensor();
    for (int m = 0; m < c.micros; ++m) {
      sync.set_sync_enabled(m == c.micros - 1);
      loss(params, runtime.rank(), step, m).backward();
    }
    const GradientSyncStats stats = sync.finish();
    EXPECT_EQ(stats.buckets, static_cast<int64_t>(sync.buckets().size()));
    // Unused here: p[6] everywhere, p[5] on odd ranks.
    EXPECT_EQ(stats.unused_params, runtime.rank() % 2 == 0 ? 1 : 2);

    const std::vector<torch::Tensor> expected = expected_sum(runtime.world_size(), step, c.micros);
    for (size_t i = 0; i < params.size(); ++i) {
      ASSERT_TRUE(params[i].grad().defined()) << "parameter " << i;
      EXPECT_TRUE(torch::allclose(params[i].grad(), expected[i], 1e-4, 1e-5))
          << "step " << step << ", parameter " << i << ": max difference "
          << (params[i].grad() - expected[i]).abs().max().item<double>();
    }
    std::vector<torch::Tensor> grads;
    for (const auto& p : params) grads.push_back(p.grad());
    // Bit for bit the same on every rank: the all-reduce hands all of them one result.
    EXPECT_NO_THROW(check_parameters_consistent(grads, sync.communicator()));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Buckets, GradientSyncMpiTest,
    ::testing::Values(Case{1000.0 / (1024 * 1024), true, 1}, Case{1000.0 / (1024 * 1024), false, 1},
                      Case{25, true, 1}, Case{1000.0 / (1024 * 1024), true, 3}, Case{25, false, 2}),
    [](const auto& info) {
      const Case& c = info.param;
      return std::string(c.bucket_mb < 1 ? "SmallBuckets" : "OneBucket") +
             (c.overlap ? "Overlapped" : "AfterBackward") + "Accumulate" + std::to_string(c.micros);
    });

TEST(GradientSyncMpi, RefusesRanksWithDifferentParameters) {
  Runtime& runtime = test::runtime();
  std::vector<torch::Tensor> params = {torch::zeros({3}).requires_grad_()};
  if (runtime.rank() == 1) params.push_back(torch::zeros({2}).requires_grad_());
  try {
    GradientSync sync(params, *runtime.make_communicator());
    FAIL() << "no error for different parameters";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rank(s) 1 have different parameters"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace s2s
