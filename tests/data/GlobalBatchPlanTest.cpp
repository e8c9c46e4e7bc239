#include "data/GlobalBatchPlan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "data/Rng.h"

namespace s2s {
namespace {

struct Corpus {
  std::vector<int32_t> src;
  std::vector<int32_t> tgt;
};

Corpus make_corpus(int64_t n) {
  Corpus c;
  Rng rng(11);
  for (int64_t i = 0; i < n; ++i) {
    c.src.push_back(static_cast<int32_t>(1 + rng.below(rng.below(4) == 0 ? 60 : 20)));
    c.tgt.push_back(static_cast<int32_t>(1 + rng.below(30)));
  }
  return c;
}

DataOptions options() {
  DataOptions o;
  o.max_tokens = 300;
  o.max_source_length = 1000;
  o.max_target_length = 1000;
  return o;
}

// The real (non-filler) pairs of global batch k, counted, from all ranks' shares.
std::map<int64_t, int> global_batch(const GlobalBatchPlan& plan, int64_t k, int world) {
  std::map<int64_t, int> ids;
  for (int r = 0; r < world; ++r)
    for (const PlannedBatch& b : plan.share(k, r, world))
      if (!b.filler)
        for (int64_t id : b.ids) ++ids[id];
  return ids;
}

TEST(GlobalBatchPlan, EveryWorldSizeComputesTheSameGlobalBatches) {
  const Corpus c = make_corpus(3000);
  const BucketSampler sampler(c.src, c.tgt, options(), 6, 1);
  for (int64_t epoch : {1, 2}) {
    const GlobalBatchPlan plan(sampler, epoch);
    ASSERT_GT(plan.size(), 5);
    std::vector<int> seen(3000, 0);
    for (int64_t k = 0; k < plan.size(); ++k) {
      // The reference: the union of the groups' k-th batches, one rank per group.
      const std::map<int64_t, int> reference = global_batch(plan, k, 6);
      for (const auto& [id, count] : reference) {
        ASSERT_EQ(count, 1) << "pair " << id << " twice in global batch " << k;
        ++seen[static_cast<size_t>(id)];
      }
      for (int world : {1, 2, 3, 4, 5, 7, 12, 13})
        ASSERT_EQ(global_batch(plan, k, world), reference) << "world " << world << ", batch " << k;
    }
    for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], 1) << "pair " << i << ", epoch " << epoch;
  }
}

TEST(GlobalBatchPlan, RanksThatDivideTheGroupsTakeWholeGroups) {
  const Corpus c = make_corpus(2000);
  const BucketSampler sampler(c.src, c.tgt, options(), 6, 1);
  const GlobalBatchPlan plan(sampler, 1);
  const auto group_plans = sampler.plan_all(1);
  for (int64_t k = 0; k < plan.size(); ++k) {
    // 3 ranks: rank r computes groups 2r and 2r+1, each as its own micro-batch.
    for (int r = 0; r < 3; ++r) {
      const auto share = plan.share(k, r, 3);
      ASSERT_EQ(share.size(), 2u);
      EXPECT_EQ(share[0].ids, group_plans[static_cast<size_t>(2 * r)][static_cast<size_t>(k)].ids);
      EXPECT_EQ(share[1].ids, group_plans[static_cast<size_t>(2 * r + 1)][static_cast<size_t>(k)].ids);
    }
    // As many ranks as groups: the classic one batch per rank.
    EXPECT_EQ(plan.share(k, 4, 6).size(), 1u);
  }
}

TEST(GlobalBatchPlan, OtherWorldSizesSplitByCostIntoMicroBatchesWithinTheBudget) {
  const Corpus c = make_corpus(3000);
  const DataOptions o = options();
  const BucketSampler sampler(c.src, c.tgt, o, 4, 1);
  const GlobalBatchPlan plan(sampler, 1);
  const auto cost = [&](int64_t id) { return std::max(c.src[static_cast<size_t>(id)], c.tgt[static_cast<size_t>(id)]) + 1; };
  for (int world : {3, 5}) {
    double worst = 0;
    for (int64_t k = 0; k < plan.size(); ++k) {
      std::vector<int64_t> load(static_cast<size_t>(world), 0);
      int64_t largest_row = 0;
      for (int r = 0; r < world; ++r)
        for (const PlannedBatch& b : plan.share(k, r, world)) {
          int64_t longest = 0;
          for (int64_t id : b.ids) {
            longest = std::max<int64_t>(longest, cost(id));
            load[static_cast<size_t>(r)] += cost(id);
            largest_row = std::max<int64_t>(largest_row, cost(id));
          }
          EXPECT_LE(static_cast<int64_t>(b.ids.size()) * longest, o.max_tokens);
          for (size_t i = 1; i < b.ids.size(); ++i)
            EXPECT_GE(c.src[static_cast<size_t>(b.ids[i - 1])], c.src[static_cast<size_t>(b.ids[i])]);
        }
      int64_t total = 0;
      for (int64_t l : load) total += l;
      // Each rank's cost is within one row of an equal split.
      for (int64_t l : load) EXPECT_LE(std::abs(l * world - total), int64_t{world} * largest_row) << "batch " << k;
      worst = std::max(worst, static_cast<double>(*std::max_element(load.begin(), load.end())) * world / total);
    }
    EXPECT_LT(worst, 1.5) << "world " << world;
  }
}

TEST(GlobalBatchPlan, ARankWithoutRowsGetsAZeroWeightFiller) {
  const Corpus c = make_corpus(40);
  DataOptions o = options();
  o.max_tokens = 70;  // a few pairs per group batch
  const BucketSampler sampler(c.src, c.tgt, o, 1, 1);
  const GlobalBatchPlan plan(sampler, 1);
  const int world = 64;  // more ranks than the rows of any global batch
  for (int64_t k = 0; k < plan.size(); ++k)
    for (int r = 0; r < world; ++r) {
      const auto share = plan.share(k, r, world);
      ASSERT_FALSE(share.empty());
      for (const auto& b : share) ASSERT_FALSE(b.ids.empty());
    }
  bool some_filler = false;
  for (int r = 0; r < world; ++r) some_filler |= plan.share(0, r, world).front().filler;
  EXPECT_TRUE(some_filler);
}

TEST(GlobalBatchPlan, SpanIsWhatTheRankReads) {
  const Corpus c = make_corpus(2400);
  const BucketSampler sampler(c.src, c.tgt, options(), 4, 1);
  const GlobalBatchPlan plan(sampler, 1);
  // Two ranks over four groups: each reads exactly its two groups' contiguous half.
  EXPECT_EQ(plan.span(0, 2), (std::pair<int64_t, int64_t>{0, 1199}));
  EXPECT_EQ(plan.span(1, 2), (std::pair<int64_t, int64_t>{1200, 2399}));
  // Three ranks: rank 1 reads around the middle groups, not the whole corpus.
  const auto [first, last] = plan.span(1, 3);
  EXPECT_GT(first, 0);
  EXPECT_LT(last, 2399);
}

}  // namespace
}  // namespace s2s
