// GradientSync in one process, over a FakeCommunicator that stands for 3 identical ranks
// (an all-reduce multiplies by 3): the hooks, the bucket order, accumulation, unused
// parameters, misuse and overlap. The MPI suite checks real sums across real ranks.
#include "trainer/comm/GradientSync.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/Error.h"
#include "tests/trainer/comm/FakeCommunicator.h"

namespace s2s {
namespace {

using test::FakeCommunicator;
using test::FakeRecord;

constexpr int kRanks = 3;

// Parameters of odd sizes in two dtypes, and a loss that uses them all (optionally not
// `skip`), some of them twice.
struct OddModel {
  std::vector<torch::Tensor> params;

  explicit OddModel(uint64_t seed = 1) {
    torch::manual_seed(seed);
    params = {torch::randn({7, 3}), torch::randn({3}), torch::randn({13}),
              torch::randn({1}), torch::randn({5, 2}, torch::kDouble), torch::randn({11})};
    for (auto& p : params) p.requires_grad_();
  }

  torch::Tensor loss(int64_t micro, int skip = -1) const {
    torch::manual_seed(100 + micro);
    const torch::Tensor x = torch::randn({4, 7});
    torch::Tensor h = torch::tanh(x.matmul(params[0]) + params[1]);  // [4, 3]
    torch::Tensor total = h.pow(2).sum();
    if (skip != 2) total = total + (params[2] * torch::randn({13})).sum() + params[2].sum();  // used twice
    if (skip != 3) total = total + params[3].exp().sum();
    if (skip != 4) total = total + params[4].pow(3).sum().to(torch::kFloat);
    if (skip != 5) total = total + (params[5].sin() * h.sum()).sum();
    return total;
  }

  // Gradients of the sum of the given micro-batches' losses, computed without any sync.
  std::vector<torch::Tensor> local_grads(std::vector<int64_t> micros, int skip = -1) const {
    OddModel copy;
    copy.params.clear();
    for (const auto& p : params) copy.params.push_back(p.detach().clone().requires_grad_());
    for (int64_t m : micros) copy.loss(m, skip).backward();
    std::vector<torch::Tensor> grads;
    for (const auto& p : copy.params) grads.push_back(p.grad().defined() ? p.grad() : torch::zeros_like(p));
    return grads;
  }
};

std::unique_ptr<FakeCommunicator> fake(std::shared_ptr<FakeRecord> record, bool thread_safe = true) {
  return std::make_unique<FakeCommunicator>(kRanks, thread_safe, std::move(record));
}

void expect_grads(const std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& expected,
                  double factor) {
  ASSERT_EQ(params.size(), expected.size());
  for (size_t i = 0; i < params.size(); ++i) {
    ASSERT_TRUE(params[i].grad().defined()) << "parameter " << i;
    EXPECT_TRUE(torch::allclose(params[i].grad(), expected[i] * factor, 1e-5, 1e-6))
        << "parameter " << i << ": " << params[i].grad() << " vs " << expected[i] * factor;
  }
}

class GradientSyncTest : public ::testing::TestWithParam<bool> {  // param: overlap
 protected:
  void SetUp() override { torch::set_num_threads(1); }
  GradientSyncOptions options(double bucket_mb) const {
    GradientSyncOptions o;
    o.bucket_mb = bucket_mb;
    o.overlap = GetParam();
    return o;
  }
};

TEST_P(GradientSyncTest, SumsGradientsAcrossBucketBoundaries) {
  OddModel model;
  auto record = std::make_shared<FakeRecord>();
  // 40 bytes per bucket: most parameters alone, [7,3] (84 bytes) larger than a bucket.
  GradientSync sync(model.params, *fake(record), options(40.0 / (1024 * 1024)));
  EXPECT_EQ(sync.overlaps(), GetParam());
  EXPECT_GE(sync.buckets().size(), 5u);
  model.loss(0).backward();
  const GradientSyncStats stats = sync.finish();
  expect_grads(model.params, model.local_grads({0}), kRanks);
  EXPECT_EQ(stats.buckets, static_cast<int64_t>(sync.buckets().size()));
  EXPECT_EQ(stats.bytes, (21 + 3 + 13 + 1 + 11) * 4 + 10 * 8);
  EXPECT_EQ(stats.unused_params, 0);
  EXPECT_EQ(record->calls.load(), stats.buckets);
}

TEST_P(GradientSyncTest, AllReducesBucketsInBucketOrder) {
  OddModel model;
  auto record = std::make_shared<FakeRecord>();
  GradientSync sync(model.params, *fake(record), options(40.0 / (1024 * 1024)));
  for (int step = 0; step < 3; ++step) {
    for (auto& p : model.params) p.mutable_grad() = torch::Tensor();
    model.loss(step).backward();
    sync.finish();
    expect_grads(model.params, model.local_grads({step}), kRanks);
  }
  std::vector<int64_t> expected;
  for (int step = 0; step < 3; ++step)
    for (const auto& b : sync.buckets()) expected.push_back(b.numel());
  EXPECT_EQ(record->numels, expected);
  // With overlap, a thread of its own made every call; without, the caller did.
  for (const auto& id : record->threads)
    EXPECT_EQ(id == std::this_thread::get_id(), !GetParam());
}

TEST_P(GradientSyncTest, AccumulatesLocallyAndSyncsOnlyTheLastMicroBatch) {
  OddModel model;
  auto record = std::make_shared<FakeRecord>();
  GradientSync sync(model.params, *fake(record), options(25));
  sync.set_sync_enabled(false);
  model.loss(0).backward();
  model.loss(1).backward();
  EXPECT_EQ(record->calls.load(), 0);
  sync.set_sync_enabled(true);
  model.loss(2).backward();
  sync.finish();
  expect_grads(model.params, model.local_grads({0, 1, 2}), kRanks);
}

TEST_P(GradientSyncTest, SendsZerosForAParameterWithoutGradient) {
  OddModel model;
  GradientSync sync(model.params, *fake(std::make_shared<FakeRecord>()), options(40.0 / (1024 * 1024)));
  model.loss(0, /*skip=*/3).backward();
  ASSERT_FALSE(model.params[3].grad().defined());
  const GradientSyncStats stats = sync.finish();
  EXPECT_EQ(stats.unused_params, 1);
  expect_grads(model.params, model.local_grads({0}, 3), kRanks);  // params[3]: zeros, now defined
}

TEST_P(GradientSyncTest, SendsTheEarlierMicroBatchesGradientOfAParameterTheLastOneSkips) {
  OddModel model;
  GradientSync sync(model.params, *fake(std::make_shared<FakeRecord>()), options(25));
  sync.set_sync_enabled(false);
  model.loss(0).backward();
  sync.set_sync_enabled(true);
  model.loss(1, /*skip=*/5).backward();
  EXPECT_EQ(sync.finish().unused_params, 1);
  std::vector<torch::Tensor> expected = model.local_grads({0});
  const std::vector<torch::Tensor> last = model.local_grads({1}, 5);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = expected[i] + last[i];
  expect_grads(model.params, expected, kRanks);
}

TEST_P(GradientSyncTest, FinishWithoutBackwardStillTakesPart) {
  // A rank without data this step still joins every all-reduce (with zeros).
  OddModel model;
  auto record = std::make_shared<FakeRecord>();
  GradientSync sync(model.params, *fake(record), options(40.0 / (1024 * 1024)));
  const GradientSyncStats stats = sync.finish();
  EXPECT_EQ(stats.unused_params, static_cast<int64_t>(model.params.size()));
  EXPECT_EQ(record->calls.load(), static_cast<int>(sync.buckets().size()));
  for (const auto& p : model.params) EXPECT_TRUE(torch::equal(p.grad(), torch::zeros_like(p)));
}

TEST_P(GradientSyncTest, IgnoresParametersThatNeedNoGradient) {
  OddModel model;
  model.params[1].requires_grad_(false);
  GradientSync sync(model.params, *fake(std::make_shared<FakeRecord>()), options(25));
  EXPECT_EQ(sync.parameters().size(), model.params.size() - 1);
  model.loss(0).backward();
  sync.finish();
  EXPECT_FALSE(model.params[1].grad().defined());
  EXPECT_TRUE(model.params[0].grad().defined());
}

TEST_P(GradientSyncTest, RefusesTwoSynchronisedBackwardsWithoutFinish) {
  OddModel model;
  GradientSync sync(model.params, *fake(std::make_shared<FakeRecord>()), options(25));
  model.loss(0).backward();
  EXPECT_THROW(sync.set_sync_enabled(false), Error);
  model.loss(1).backward();
  try {
    sync.finish();
    FAIL() << "no error for a gradient produced twice";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("twice"), std::string::npos) << e.what();
  }
  // The object is usable again afterwards.
  for (auto& p : model.params) p.mutable_grad() = torch::Tensor();
  model.loss(2).backward();
  sync.finish();
  expect_grads(model.params, model.local_grads({2}), kRanks);
}

TEST_P(GradientSyncTest, RefusesFinishWithSyncDisabled) {
  OddModel model;
  GradientSync sync(model.params, *fake(std::make_shared<FakeRecord>()), options(25));
  sync.set_sync_enabled(false);
  EXPECT_THROW(sync.finish(), Error);
}

TEST_P(GradientSyncTest, PassesACommunicationErrorOnToFinish) {
  OddModel model;
  auto record = std::make_shared<FakeRecord>();
  record->fail_at_call = 1;
  GradientSync sync(model.params, *fake(record), options(40.0 / (1024 * 1024)));
  model.loss(0).backward();
  try {
    sync.finish();
    FAIL() << "the all-reduce error was lost";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fails on purpose"), std::string::npos) << e.what();
  }
}

TEST_P(GradientSyncTest, RemovesItsHooksWhenDestroyed) {
  OddModel model;
  auto record = std::make_shared<FakeRecord>();
  { GradientSync sync(model.params, *fake(record), options(25)); }
  model.loss(0).backward();
  EXPECT_EQ(record->calls.load(), 0);
}

TEST_P(GradientSyncTest, OverlapsAllReduceWithBackward) {
  // A chain of layers: the last layers' buckets are ready while the first layers' gradients
  // are still being computed. A hook on the first layer's output (its gradient is computed
  // only after every later layer's) waits to see whether an all-reduce has started.
  torch::manual_seed(3);
  std::vector<torch::Tensor> params;
  for (int i = 0; i < 6; ++i) params.push_back((torch::randn({16, 16}) * 0.3).requires_grad_());
  auto record = std::make_shared<FakeRecord>();
  record->delay = std::chrono::milliseconds(20);
  GradientSync sync(params, *fake(record), options(16 * 16 * 4 / (1024.0 * 1024)));  // one per bucket
  ASSERT_EQ(sync.buckets().size(), 6u);

  int seen_during_backward = -1;
  torch::Tensor h = torch::tanh(torch::randn({8, 16}).matmul(params[0]));
  h.register_hook([&](torch::Tensor grad) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(GetParam() ? 5000 : 100);
    while (record->calls.load() == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    seen_during_backward = record->calls.load();
    return grad;
  });
  for (int i = 1; i < 6; ++i) h = torch::tanh(h.matmul(params[i]));
  h.sum().backward();
  const GradientSyncStats stats = sync.finish();
  EXPECT_NEAR(stats.allreduce_s, 6 * 0.020, 0.1);
  if (GetParam()) {
    EXPECT_GE(seen_during_backward, 1);
    EXPECT_GT(stats.overlapped_s, 0.0);
    EXPECT_LT(stats.overlapped_s, stats.allreduce_s + 1e-9);
  } else {
    EXPECT_EQ(seen_during_backward, 0);
    EXPECT_EQ(stats.overlapped_s, 0.0);
    EXPECT_EQ(stats.wait_s, 0.0);
  }
}

// Whether p.grad() lies inside `bucket`'s flat buffer (its storage, within its elements).
bool inside(const torch::Tensor& grad, const GradientBucket& bucket) {
  const auto* begin = static_cast<const char*>(bucket.buffer().data_ptr());
  const auto* at = static_cast<const char*>(grad.data_ptr());
  return grad.is_alias_of(bucket.buffer()) && at >= begin &&
         at + grad.numel() * grad.element_size() <= begin + bucket.bytes();
}

TEST_P(GradientSyncTest, GradientsLiveInTheirBucketsAndHoldTheSum) {
  OddModel model;
  auto record = std::make_shared<FakeRecord>();
  GradientSync sync(model.params, *fake(record), options(40.0 / (1024 * 1024)));
  std::vector<const void*> first_step;
  for (int step = 0; step < 3; ++step) {
    if (step == 2) model.params[4].mutable_grad() = torch::Tensor();  // as zero_grad(set_to_none) does
    model.loss(step).backward();
    sync.finish();
    expect_grads(model.params, model.local_grads({step}), kRanks);
    for (size_t i = 0; i < model.params.size(); ++i) {
      const torch::Tensor& grad = model.params[i].grad();
      int holders = 0;
      for (const GradientBucket& b : sync.buckets()) holders += inside(grad, b) ? 1 : 0;
      EXPECT_EQ(holders, 1) << "step " << step << ", parameter " << i << " is not in a bucket";
      if (step == 0) first_step.push_back(grad.data_ptr());
      // In place from step to step (a replaced gradient is taken back to its place).
      EXPECT_EQ(grad.data_ptr(), first_step[i]) << "step " << step << ", parameter " << i;
    }
    sync.zero_grads();
    for (const auto& p : model.params) EXPECT_TRUE(torch::equal(p.grad(), torch::zeros_like(p)));
  }
}

TEST_P(GradientSyncTest, RefusesZeroGradsBeforeFinish) {
  OddModel model;
  GradientSync sync(model.params, *fake(std::make_shared<FakeRecord>()), options(25));
  model.loss(0).backward();
  EXPECT_THROW(sync.zero_grads(), Error);
  sync.finish();
  EXPECT_NO_THROW(sync.zero_grads());
}

TEST_P(GradientSyncTest, RefusesParametersOffTheCommunicatorsDevice) {
  // Only a CPU check here: the fake works on the CPU, so a meta-device parameter is foreign.
  std::vector<torch::Tensor> params = {torch::zeros({2}, torch::Device(torch::kMeta)).requires_grad_()};
  EXPECT_THROW(GradientSync(params, *fake(std::make_shared<FakeRecord>()), options(25)), Error);
}

INSTANTIATE_TEST_SUITE_P(Overlap, GradientSyncTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Overlapped" : "AfterBackward"; });

TEST(GradientSyncThreadSafety, DoesNotOverlapOverACommunicatorThatIsNotThreadSafe) {
  OddModel model;
  GradientSync sync(model.params, *fake(std::make_shared<FakeRecord>(), /*thread_safe=*/false));
  EXPECT_FALSE(sync.overlaps());
  model.loss(0).backward();
  sync.finish();
  expect_grads(model.params, model.local_grads({0}), kRanks);
}

}  // namespace
}  // namespace s2s
