// GradientBucket: which parameters share a bucket (order, size cap, dtypes) and how
// gradients come to live in the flat buffer.
#include "trainer/comm/GradientBucket.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "core/Error.h"

namespace s2s {
namespace {

using Plan = std::vector<std::vector<size_t>>;

torch::Tensor floats(int64_t n) { return torch::zeros({n}, torch::kFloat); }
torch::Tensor doubles(int64_t n) { return torch::zeros({n}, torch::kDouble); }

class GradientBucketTest : public ::testing::Test {
 protected:
  void SetUp() override { torch::set_num_threads(1); }
};

TEST_F(GradientBucketTest, PlanTakesParametersInReverseOrder) {
  // 40 bytes each, 80 per bucket: backward produces the last parameters first.
  const std::vector<torch::Tensor> params = {floats(10), floats(10), floats(10), floats(10)};
  EXPECT_EQ(GradientBucket::plan(params, 80), (Plan{{3, 2}, {1, 0}}));
}

TEST_F(GradientBucketTest, PlanNeverExceedsTheCapExceptForOneLargeParameter) {
  const std::vector<torch::Tensor> params = {floats(10), floats(1000), floats(10), floats(10)};
  // 40 + 40 fit in 100 bytes; 4000 bytes get a bucket alone; the first one starts another.
  EXPECT_EQ(GradientBucket::plan(params, 100), (Plan{{3, 2}, {1}, {0}}));
}

TEST_F(GradientBucketTest, PlanFillsBucketsExactlyToTheCap) {
  const std::vector<torch::Tensor> params = {floats(5), floats(5), floats(5), floats(5), floats(5)};
  EXPECT_EQ(GradientBucket::plan(params, 40), (Plan{{4, 3}, {2, 1}, {0}}));
  EXPECT_EQ(GradientBucket::plan(params, 39), (Plan{{4}, {3}, {2}, {1}, {0}}));
  EXPECT_EQ(GradientBucket::plan(params, 1 << 20), (Plan{{4, 3, 2, 1, 0}}));
}

TEST_F(GradientBucketTest, PlanKeepsDtypesApart) {
  const std::vector<torch::Tensor> params = {floats(3), doubles(3), floats(3), doubles(3)};
  EXPECT_EQ(GradientBucket::plan(params, 1 << 20), (Plan{{3, 1}, {2, 0}}));
}

TEST_F(GradientBucketTest, PlanHandlesEmptyAndZeroSizedParameters) {
  EXPECT_TRUE(GradientBucket::plan({}, 100).empty());
  const std::vector<torch::Tensor> params = {floats(0), floats(3)};
  EXPECT_EQ(GradientBucket::plan(params, 100), (Plan{{1, 0}}));
}

TEST_F(GradientBucketTest, PlanRejectsANonPositiveCap) {
  EXPECT_THROW(GradientBucket::plan({floats(1)}, 0), Error);
}

TEST_F(GradientBucketTest, PlanPutsEveryParameterInExactlyOneBucketWithinTheCap) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int64_t> size(1, 300);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<torch::Tensor> params;
    for (int i = 0; i < 40; ++i) params.push_back(i % 3 == 0 ? doubles(size(random)) : floats(size(random)));
    const int64_t cap = 64 + 37 * trial;
    const Plan plan = GradientBucket::plan(params, cap);
    std::set<size_t> seen;
    for (const auto& bucket : plan) {
      ASSERT_FALSE(bucket.empty());
      int64_t bytes = 0;
      for (size_t k : bucket) {
        EXPECT_TRUE(seen.insert(k).second) << "parameter " << k << " in two buckets";
        EXPECT_EQ(params[k].scalar_type(), params[bucket[0]].scalar_type());
        bytes += params[k].numel() * static_cast<int64_t>(params[k].element_size());
      }
      EXPECT_TRUE(bytes <= cap || bucket.size() == 1) << bytes << " bytes over a cap of " << cap;
      for (size_t j = 1; j < bucket.size(); ++j) EXPECT_GT(bucket[j - 1], bucket[j]);  // reverse order
    }
    EXPECT_EQ(seen.size(), params.size());
  }
}

TEST_F(GradientBucketTest, LaysOutOddSizedParametersBackToBack) {
  const std::vector<torch::Tensor> params = {torch::zeros({3, 5}), torch::zeros({7}), torch::zeros({1, 1, 2})};
  GradientBucket bucket(params, {2, 1, 0});
  EXPECT_EQ(bucket.numel(), 2 + 7 + 15);
  EXPECT_EQ(bucket.bytes(), 4 * 24);
  EXPECT_EQ(bucket.offset(0), 0);
  EXPECT_EQ(bucket.offset(1), 2);
  EXPECT_EQ(bucket.offset(2), 9);
  EXPECT_EQ(bucket.slot(0).sizes(), torch::IntArrayRef({1, 1, 2}));
  EXPECT_EQ(bucket.slot(2).sizes(), torch::IntArrayRef({3, 5}));
  EXPECT_EQ(bucket.dtype(), torch::kFloat);
  EXPECT_TRUE(bucket.device().is_cpu());
}

TEST_F(GradientBucketTest, AdoptsGradientsIntoTheirSlots) {
  std::vector<torch::Tensor> params = {torch::zeros({2, 3}, torch::kDouble).requires_grad_(),
                                       torch::zeros({4}, torch::kDouble).requires_grad_()};
  GradientBucket bucket(params, {1, 0});
  const torch::Tensor g0 = torch::arange(6, torch::kDouble).view({2, 3});
  const torch::Tensor g1 = torch::arange(10, 14, torch::kDouble);
  params[1].mutable_grad() = g1.clone();
  params[0].mutable_grad() = g0.t().contiguous().t();  // a non-contiguous gradient is fine
  EXPECT_FALSE(bucket.holds(0, params[1]));
  bucket.adopt(0, params[1]);
  bucket.adopt(1, params[0]);
  EXPECT_TRUE(torch::equal(bucket.buffer(), torch::cat({g1, g0.view({-1})})));
  EXPECT_TRUE(bucket.holds(0, params[1]));
  EXPECT_TRUE(bucket.holds(1, params[0]));

  bucket.buffer().mul_(2);  // what the all-reduce does: the gradients are the sums
  EXPECT_TRUE(torch::equal(params[0].grad(), g0 * 2));
  EXPECT_TRUE(torch::equal(params[1].grad(), g1 * 2));
  params[0].grad().add_(1);  // and writes to a gradient reach the buffer
  EXPECT_EQ(bucket.buffer()[4].item<double>(), 2 * 0.0 + 1);
}

TEST_F(GradientBucketTest, AdoptsAnAbsentGradientAsZeros) {
  const std::vector<torch::Tensor> params = {torch::zeros({3}).requires_grad_()};
  GradientBucket bucket(params, {0});
  bucket.buffer().fill_(5);  // last step's sum
  bucket.adopt(0, params[0]);
  EXPECT_TRUE(torch::equal(bucket.buffer(), torch::zeros({3})));
  ASSERT_TRUE(params[0].grad().defined());
  EXPECT_TRUE(bucket.holds(0, params[0]));
}

TEST_F(GradientBucketTest, ZeroesGradientsInPlaceAndTakesBackReplacedOnes) {
  const std::vector<torch::Tensor> params = {torch::zeros({3}).requires_grad_(), torch::zeros({2}).requires_grad_()};
  GradientBucket bucket(params, {1, 0});
  bucket.adopt(0, params[1]);
  bucket.adopt(1, params[0]);
  bucket.buffer().fill_(7);
  const void* kept = params[1].grad().data_ptr();
  params[0].mutable_grad() = torch::ones({3});  // replaced, e.g. by zero_grad(set_to_none) + backward
  bucket.zero_grads(params);
  EXPECT_EQ(params[1].grad().data_ptr(), kept);
  EXPECT_TRUE(bucket.holds(1, params[0]));
  EXPECT_TRUE(torch::equal(bucket.buffer(), torch::zeros({5})));
  EXPECT_TRUE(torch::equal(params[0].grad(), torch::zeros({3})));
}

TEST_F(GradientBucketTest, RefusesAGradientOfTheWrongShape) {
  const std::vector<torch::Tensor> params = {torch::zeros({3}).requires_grad_()};
  GradientBucket bucket(params, {0});
  params[0].mutable_grad() = torch::ones({4});
  EXPECT_THROW(bucket.adopt(0, params[0]), Error);
}

}  // namespace
}  // namespace s2s
