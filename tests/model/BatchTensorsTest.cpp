// BatchTensors::from: the batch's ids as tensors of the right shapes on the CPU (own memory,
// not the batch's), and on a GPU the same values through one pinned, non-blocking copy
// (skipped without a GPU).
#include "model/BatchTensors.h"

#include <gtest/gtest.h>

namespace s2s {
namespace {

// Two rows: source lengths 3 and 2 (padded to 3), targets padded to 4.
Batch two_rows() {
  Batch b;
  b.size = 2;
  b.src_len = 3;
  b.tgt_len = 4;
  b.src = {5, 6, 3, 7, 3, 0};
  b.tgt_in = {2, 8, 9, 10, 2, 11, 0, 0};
  b.tgt_out = {8, 9, 10, 3, 11, 3, 0, 0};
  b.src_lengths = {3, 2};
  b.tgt_lengths = {4, 2};
  b.example_ids = {41, 17};
  b.src_tokens = 5;
  b.tgt_tokens = 6;
  return b;
}

torch::Tensor ids(std::vector<int64_t> values, int64_t rows, int64_t cols) {
  return torch::tensor(values, torch::kLong).view({rows, cols});
}

void expect_values(const BatchTensors& t, const Batch& b) {
  EXPECT_TRUE(torch::equal(t.src.cpu(), ids(b.src, 2, 3)));
  EXPECT_TRUE(torch::equal(t.tgt_in.cpu(), ids(b.tgt_in, 2, 4)));
  EXPECT_TRUE(torch::equal(t.tgt_out.cpu(), ids(b.tgt_out, 2, 4)));
  EXPECT_TRUE(torch::equal(t.src_lengths, torch::tensor({3, 2}, torch::kLong)));
  EXPECT_TRUE(torch::equal(t.pair_ids, torch::tensor({41, 17}, torch::kLong)));
  EXPECT_TRUE(t.src_lengths.device().is_cpu());
  EXPECT_TRUE(t.pair_ids.device().is_cpu());
  EXPECT_EQ(t.src_tokens, 5);
  EXPECT_EQ(t.tgt_tokens, 6);
}

TEST(BatchTensors, OnTheCpuCopiesTheIdsIntoTensorsOfTheirOwn) {
  Batch b = two_rows();
  const BatchTensors t = BatchTensors::from(b, torch::kCPU);
  expect_values(t, b);
  b.src[0] = 99;  // the batch's vectors may go away or be reused
  EXPECT_EQ(t.src[0][0].item<int64_t>(), 5);
}

TEST(BatchTensors, WithoutExampleIdsHasPairIdsMinusOne) {
  Batch b = two_rows();
  b.example_ids.clear();
  EXPECT_TRUE(torch::equal(BatchTensors::from(b, torch::kCPU).pair_ids, torch::tensor({-1, -1}, torch::kLong)));
}

TEST(BatchTensors, OnAGpuGoesThroughOnePinnedNonBlockingCopy) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA GPU";
  const Batch b = two_rows();
  const BatchTensors t = BatchTensors::from(b, torch::Device(torch::kCUDA, 0));
  EXPECT_TRUE(t.src.is_cuda());
  EXPECT_TRUE(t.tgt_in.is_cuda());
  EXPECT_TRUE(t.tgt_out.is_cuda());
  EXPECT_TRUE(t.tgt_out.is_alias_of(t.src)) << "the three matrices share one device copy";
  expect_values(t, b);  // .cpu() runs on the same stream, after the copy
}

}  // namespace
}  // namespace s2s
