#include "data/Prefetcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/data/DataTestSupport.h"

namespace s2s {
namespace {

Prefetcher::Item numbered(int64_t i) {
  Batch b;
  b.size = i;
  return {b};
}

TEST(Prefetcher, DeliversEveryBatchInOrderThenEnds) {
  for (int capacity : {0, 1, 3, 64}) {
    Prefetcher p(numbered, 5, 25, capacity);
    for (int64_t i = 5; i < 25; ++i) {
      auto b = p.next();
      ASSERT_TRUE(b.has_value());
      EXPECT_EQ(b->front().size, i);
    }
    EXPECT_FALSE(p.next().has_value());
    EXPECT_FALSE(p.next().has_value());
  }
  Prefetcher empty(numbered, 3, 3, 4);
  EXPECT_FALSE(empty.next().has_value());
}

TEST(Prefetcher, KeepsOrderWhenTheCallerAndTheThreadBothBuild) {
  // Uneven build times make the caller sometimes find its batch not ready and build it
  // itself; every batch must still come exactly once, in order.
  for (int capacity : {1, 2, 3}) {
    Prefetcher p(
        [](int64_t i) {
          if (i % 7 == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));
          return numbered(i);
        },
        0, 300, capacity);
    for (int64_t k = 0; k < 300; ++k) {
      auto b = p.next();
      ASSERT_TRUE(b.has_value());
      ASSERT_EQ(b->front().size, k) << "capacity " << capacity;
      if (k % 5 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    EXPECT_FALSE(p.next().has_value());
  }
}

TEST(Prefetcher, WorksAheadButNoMoreThanItsCapacity) {
  std::atomic<int> built{0};
  std::atomic<int> built_first{0};
  Prefetcher p(
      [&](int64_t i) {
        ++built;
        if (i == 0) ++built_first;
        return numbered(i);
      },
      0, 100, 5);
  for (int i = 0; i < 400 && built < 5; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(built.load(), 5);  // ready before anyone asked
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(built.load(), 5);  // and bounded
  EXPECT_EQ(p.next()->front().size, 0);
  EXPECT_EQ(built_first.load(), 1) << "a ready batch is not built again";
}

TEST(Prefetcher, TheCallerGetsTheProducersErrorAfterTheBatchesBeforeIt) {
  Prefetcher p(
      [](int64_t i) {
        if (i == 2) throw Error("shard went away");
        return numbered(i);
      },
      0, 10, 4);
  EXPECT_EQ(p.next()->front().size, 0);
  EXPECT_EQ(p.next()->front().size, 1);
  test::expect_error([&] { p.next(); }, {"shard went away"});
}

TEST(Prefetcher, StopsCleanlyWhenDestroyedEarly) {
  std::atomic<int> built{0};
  {
    Prefetcher p(
        [&](int64_t i) {
          ++built;
          return numbered(i);
        },
        0, 1000000, 8);
    p.next();
  }
  EXPECT_LT(built.load(), 20);
}

}  // namespace
}  // namespace s2s
