#include "data/BucketSampler.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include "tests/data/DataTestSupport.h"
#include "data/Rng.h"

namespace s2s {
namespace {

struct Lengths {
  std::vector<int32_t> src;
  std::vector<int32_t> tgt;
};

// Lengths that vary the way real corpora do: mostly short, some long.
Lengths make_lengths(int64_t n, uint64_t seed = 3) {
  Lengths l;
  Rng rng(seed);
  for (int64_t i = 0; i < n; ++i) {
    const auto s = static_cast<int32_t>(1 + rng.below(rng.below(4) == 0 ? 80 : 25));
    l.src.push_back(s);
    l.tgt.push_back(static_cast<int32_t>(std::max<int64_t>(1, s + static_cast<int64_t>(rng.below(9)) - 4)));
  }
  return l;
}

DataOptions options(int max_tokens = 400) {
  DataOptions o;
  o.max_tokens = max_tokens;
  o.max_source_length = 1000;
  o.max_target_length = 1000;
  return o;
}

BucketSampler sampler(const Lengths& l, const DataOptions& o, int world, uint64_t seed = 1) {
  return BucketSampler(l.src, l.tgt, o, world, seed);
}

TEST(BucketSampler, EveryPairIsSeenExactlyOncePerEpochAcrossRanks) {
  const Lengths l = make_lengths(5000);
  for (int world : {1, 2, 3, 4, 7}) {
    const BucketSampler s = sampler(l, options(), world);
    for (int64_t epoch : {1, 2}) {
      std::vector<int> seen(5000, 0);
      for (int r = 0; r < world; ++r)
        for (const auto& b : s.plan(epoch, r))
          if (!b.filler)
            for (int64_t id : b.ids) ++seen[static_cast<size_t>(id)];
      for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], 1) << "pair " << i << ", world " << world;
    }
  }
}

TEST(BucketSampler, EveryRankRunsTheSameNumberOfBatches) {
  // Ranks own different length mixes (long pairs at the end), so their packed counts differ.
  Lengths l = make_lengths(3000);
  for (size_t i = 2000; i < 3000; ++i) l.src[i] = l.tgt[i] = 70;
  for (int world : {2, 3, 5}) {
    const BucketSampler s = sampler(l, options(), world);
    for (int64_t epoch : {1, 2, 3}) {
      const int64_t expected = s.batches_in_epoch(epoch);
      for (int r = 0; r < world; ++r) {
        const auto plan = s.plan(epoch, r);
        EXPECT_EQ(static_cast<int64_t>(plan.size()), expected) << "rank " << r << " of " << world;
        for (const auto& b : plan) EXPECT_FALSE(b.filler) << "splitting suffices here";
      }
    }
  }
}

TEST(BucketSampler, BatchesRespectTheTokenBudgetAndSentenceCap) {
  const Lengths l = make_lengths(4000);
  DataOptions o = options(300);
  o.max_sentences = 16;
  const BucketSampler s = sampler(l, o, 2);
  for (int r = 0; r < 2; ++r)
    for (const auto& b : s.plan(1, r)) {
      ASSERT_FALSE(b.ids.empty());
      int64_t longest = 0;
      for (int64_t id : b.ids)
        longest = std::max<int64_t>(longest, std::max(l.src[static_cast<size_t>(id)], l.tgt[static_cast<size_t>(id)]) + 1);
      EXPECT_LE(static_cast<int64_t>(b.ids.size()) * longest, 300);
      EXPECT_LE(b.ids.size(), 16u);
    }
}

TEST(BucketSampler, LengthBucketingKeepsPaddingLow) {
  const Lengths l = make_lengths(4000);
  const BucketSampler s = sampler(l, options(1000), 1);
  int64_t real = 0;
  int64_t padded = 0;
  for (const auto& b : s.plan(1, 0)) {
    int64_t longest = 0;
    for (int64_t id : b.ids) {
      longest = std::max<int64_t>(longest, l.src[static_cast<size_t>(id)] + 1);
      real += l.src[static_cast<size_t>(id)] + 1;
    }
    padded += longest * static_cast<int64_t>(b.ids.size());
  }
  EXPECT_LT(static_cast<double>(padded - real) / static_cast<double>(padded), 0.05);
}

TEST(BucketSampler, RowsAreLongestSourceFirst) {
  const Lengths l = make_lengths(1000);
  for (const auto& b : sampler(l, options(), 1).plan(1, 0))
    for (size_t i = 1; i < b.ids.size(); ++i)
      EXPECT_GE(l.src[static_cast<size_t>(b.ids[i - 1])], l.src[static_cast<size_t>(b.ids[i])]);
}

TEST(BucketSampler, IsDeterministicAndShufflesPerEpoch) {
  const Lengths l = make_lengths(2000);
  const auto ids = [](const std::vector<PlannedBatch>& plan) {
    std::vector<std::vector<int64_t>> out;
    for (const auto& b : plan) out.push_back(b.ids);
    return out;
  };
  const BucketSampler a = sampler(l, options(), 2, 5);
  const BucketSampler b = sampler(l, options(), 2, 5);
  EXPECT_EQ(ids(a.plan(1, 1)), ids(b.plan(1, 1)));
  EXPECT_NE(ids(a.plan(1, 1)), ids(a.plan(2, 1)));
  EXPECT_NE(ids(a.plan(1, 1)), ids(sampler(l, options(), 2, 6).plan(1, 1)));
  DataOptions fixed = options();
  fixed.shuffle = false;
  EXPECT_EQ(ids(sampler(l, fixed, 2, 5).plan(1, 0)), ids(sampler(l, fixed, 2, 5).plan(2, 0)));
}

TEST(BucketSampler, SortsStablyByLengthBucketWhateverTheLengthRange) {
  // Short lengths take the counting sort, very long ones the general sort: same order.
  for (int32_t longest : {40, 3000}) {
    Lengths l;
    Rng rng(11);
    for (int i = 0; i < 3000; ++i) {
      l.src.push_back(static_cast<int32_t>(rng.below(static_cast<uint64_t>(longest))));
      l.tgt.push_back(static_cast<int32_t>(rng.below(static_cast<uint64_t>(longest))));
    }
    DataOptions o = options(1 << 20);
    o.max_sentences = 1;  // one pair per batch: the batch order is the sort order
    o.shuffle = false;
    o.bucket_width = 4;
    o.max_source_length = o.max_target_length = 10000;
    std::vector<int64_t> order;
    for (const auto& b : sampler(l, o, 1).plan(1, 0)) order.push_back(b.ids.at(0));
    ASSERT_EQ(order.size(), 3000u);
    for (size_t i = 1; i < order.size(); ++i) {
      const auto a = static_cast<size_t>(order[i - 1]);
      const auto b = static_cast<size_t>(order[i]);
      const auto ka = std::make_tuple(l.src[a] / 4, l.tgt[a] / 4, order[i - 1]);
      const auto kb = std::make_tuple(l.src[b] / 4, l.tgt[b] / 4, order[i]);
      ASSERT_LT(ka, kb) << "longest " << longest << " at " << i;
    }
  }
}

TEST(BucketSampler, GroupsOwnContiguousBalancedRanges) {
  EXPECT_EQ(BucketSampler::group_range(10, 0, 3), (std::pair<int64_t, int64_t>{0, 3}));
  EXPECT_EQ(BucketSampler::group_range(10, 1, 3), (std::pair<int64_t, int64_t>{3, 6}));
  EXPECT_EQ(BucketSampler::group_range(10, 2, 3), (std::pair<int64_t, int64_t>{6, 10}));
  const Lengths l = make_lengths(1000);
  const BucketSampler s = sampler(l, options(), 4);
  for (int r = 0; r < 4; ++r) {
    const auto [begin, end] = BucketSampler::group_range(1000, r, 4);
    for (const auto& b : s.plan(1, r))
      for (int64_t id : b.ids) {
        EXPECT_GE(id, begin);
        EXPECT_LT(id, end);
      }
  }
}

TEST(BucketSampler, DropsAndCountsOverLongPairs) {
  Lengths l = make_lengths(100);
  l.src[3] = 300;   // over max_source_length
  l.tgt[7] = 300;   // over max_target_length
  l.src[9] = 150;   // within the limits, but alone over max_tokens
  l.tgt[9] = 10;
  DataOptions o = options(140);
  o.max_source_length = 200;
  o.max_target_length = 200;
  const BucketSampler s = sampler(l, o, 2);
  EXPECT_EQ(s.dropped_too_long(), 2);
  EXPECT_EQ(s.dropped_over_budget(), 1);
  std::set<int64_t> seen;
  for (int r = 0; r < 2; ++r)
    for (const auto& b : s.plan(1, r)) seen.insert(b.ids.begin(), b.ids.end());
  EXPECT_EQ(seen.size(), 97u);
  EXPECT_EQ(seen.count(3) + seen.count(7) + seen.count(9), 0u);
}

TEST(BucketSampler, UsesFlaggedFillersOnlyWhenARankHasTooFewPairs) {
  // Rank 0's pairs are all short (one batch holds them all), rank 1's long (one per batch),
  // so rank 0 must reach rank 1's count with fewer pairs than that.
  Lengths l;
  for (int i = 0; i < 6; ++i) {
    l.src.push_back(i < 3 ? 2 : 90);
    l.tgt.push_back(i < 3 ? 2 : 90);
  }
  DataOptions o = options(100);
  const BucketSampler s = sampler(l, o, 2);
  const auto rank0 = s.plan(1, 0);
  const auto rank1 = s.plan(1, 1);
  ASSERT_EQ(rank0.size(), rank1.size());
  EXPECT_EQ(rank0.size(), 3u);
  std::multiset<int64_t> real;
  for (const auto& b : rank0)
    if (!b.filler) real.insert(b.ids.begin(), b.ids.end());
  EXPECT_EQ(real, (std::multiset<int64_t>{0, 1, 2}));  // split into single pairs: no filler needed
  // Two pairs against three batches: one filler.
  Lengths m;
  m.src = {2, 2, 90, 90, 90};
  m.tgt = m.src;
  const BucketSampler t = sampler(m, o, 2);
  const auto p0 = t.plan(1, 0);
  ASSERT_EQ(p0.size(), 3u);
  EXPECT_EQ(std::count_if(p0.begin(), p0.end(), [](const PlannedBatch& b) { return b.filler; }), 1);
}

// The longest source + longest target of a batch: what an RNN's time mostly depends on.
int64_t batch_length(const PlannedBatch& b, const Lengths& l) {
  int64_t src = 0, tgt = 0;
  for (const int64_t id : b.ids) {
    src = std::max<int64_t>(src, l.src[static_cast<size_t>(id)]);
    tgt = std::max<int64_t>(tgt, l.tgt[static_cast<size_t>(id)]);
  }
  return src + tgt;
}

TEST(BucketSampler, AlignsBatchLengthsAcrossRanksAtEveryStep) {
  // Both halves of the corpus (one per rank) hold the same lengths in different orders, so
  // with alignment the batches of every step must have exactly the same length on both
  // ranks; with independent shuffles they differ at most steps.
  Lengths half = make_lengths(600, 11);
  Lengths l = half;
  Rng rng(5);
  std::vector<size_t> perm(half.src.size());
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = i;
  rng.shuffle(perm);
  for (const size_t i : perm) {
    l.src.push_back(half.src[i]);
    l.tgt.push_back(half.tgt[i]);
  }
  DataOptions o = options();
  o.bucket_width = 1;
  // Steps of `epoch` at which the two ranks' batches differ in length.
  const auto steps_that_differ = [&](const BucketSampler& s, int64_t epoch) {
    const auto p0 = s.plan(epoch, 0);
    const auto p1 = s.plan(epoch, 1);
    EXPECT_EQ(p0.size(), p1.size());
    int64_t differ = 0;
    for (size_t k = 0; k < std::min(p0.size(), p1.size()); ++k)
      differ += batch_length(p0[k], l) != batch_length(p1[k], l);
    return std::make_pair(differ, static_cast<int64_t>(p0.size()));
  };
  DataOptions independent = o;
  independent.align_ranks = false;
  for (const int64_t epoch : {1, 2}) {
    EXPECT_EQ(steps_that_differ(sampler(l, o, 2), epoch).first, 0) << "epoch " << epoch;
    const auto [differ, steps] = steps_that_differ(sampler(l, independent, 2), epoch);
    EXPECT_GT(differ, steps / 2) << "epoch " << epoch;
  }
  // Alignment changes only the order: the same batches, still a different order per epoch.
  const auto first_ids = [](const std::vector<PlannedBatch>& plan) {
    std::vector<int64_t> out;
    for (const auto& b : plan) out.push_back(b.ids.front());
    return out;
  };
  const BucketSampler s = sampler(l, o, 2);
  EXPECT_NE(first_ids(s.plan(1, 0)), first_ids(s.plan(2, 0)));
}

TEST(BucketSampler, ClearErrorsForImpossibleSetups) {
  const Lengths l = make_lengths(3);
  test::expect_error([&] { sampler(l, options(), 4); }, {"3 pairs", "4 batch groups"});
  Lengths longs;
  longs.src = longs.tgt = {500, 500};
  DataOptions o = options();
  o.max_source_length = 100;
  test::expect_error([&] { sampler(longs, o, 1); }, {"no pair is left", "max_source_length=100"});
}

}  // namespace
}  // namespace s2s
