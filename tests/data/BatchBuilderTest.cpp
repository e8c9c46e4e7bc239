// BatchBuilder: the layout of Batch.h, built from id rows: </s> after every source, <s>
// before every teacher-forcing input and </s> after every target, <pad> to the longest row.
#include "data/BatchBuilder.h"

#include <gtest/gtest.h>

#include "data/TokenIds.h"

namespace s2s {
namespace {

constexpr int64_t P = kPadId, B = kBosId, E = kEosId;

TEST(BatchBuilder, PadsAndAddsTheSpecialsOfBatchLayout) {
  const std::vector<int32_t> src0{7, 8, 9}, tgt0{5};
  const std::vector<int32_t> src1{6}, tgt1{4, 10, 11};
  BatchBuilder builder;
  builder.add(src0, tgt0, /*example_id=*/12);
  builder.add(src1, tgt1, /*example_id=*/3);
  const Batch b = builder.build();

  EXPECT_EQ(b.size, 2);
  EXPECT_EQ(b.src_len, 4);  // longest source + </s>
  EXPECT_EQ(b.tgt_len, 4);  // longest target + </s>
  EXPECT_EQ(b.src, (std::vector<int64_t>{7, 8, 9, E, /**/ 6, E, P, P}));
  EXPECT_EQ(b.tgt_in, (std::vector<int64_t>{B, 5, P, P, /**/ B, 4, 10, 11}));
  EXPECT_EQ(b.tgt_out, (std::vector<int64_t>{5, E, P, P, /**/ 4, 10, 11, E}));
  EXPECT_EQ(b.src_lengths, (std::vector<int64_t>{4, 2}));
  EXPECT_EQ(b.tgt_lengths, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(b.src_tokens, 6);
  EXPECT_EQ(b.tgt_tokens, 6);
  EXPECT_EQ(b.example_ids, (std::vector<int64_t>{12, 3}));
  EXPECT_FALSE(b.filler);
}

TEST(BatchBuilder, ASourceWithoutTargetDecodesFromStartAndEndAlone) {
  BatchBuilder builder;
  builder.add(std::vector<int32_t>{4, 5}, {});
  const Batch b = builder.build(/*filler=*/true);
  EXPECT_EQ(b.tgt_len, 1);
  EXPECT_EQ(b.tgt_in, (std::vector<int64_t>{B}));
  EXPECT_EQ(b.tgt_out, (std::vector<int64_t>{E}));
  EXPECT_EQ(b.example_ids, (std::vector<int64_t>{-1}));
  EXPECT_TRUE(b.filler);
}

TEST(BatchBuilder, AnEmptySourceIsEndOfSentenceAlone) {
  BatchBuilder builder;
  builder.add(std::vector<int32_t>{}, std::vector<int32_t>{9});
  const Batch b = builder.build();
  EXPECT_EQ(b.src, (std::vector<int64_t>{E}));
  EXPECT_EQ(b.src_lengths, (std::vector<int64_t>{1}));
}

}  // namespace
}  // namespace s2s
