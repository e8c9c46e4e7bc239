// Specification of SyntheticBatches: the batches bench/torch_reference.py draws (its header
// is the spec), number for number, so both sides of bench/side_by_side.sh time the same data.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "core/Error.h"
#include "tests/support/PythonOracle.h"
#include "tests/support/ScratchDir.h"
#include "trainer/SyntheticBatches.h"

namespace s2s {
namespace {

SyntheticBatchOptions small(bool fixed) {
  SyntheticBatchOptions o;
  o.vocab = 9;
  o.rows = 4;
  o.src_len = 5;
  o.tgt_len = 6;
  o.fixed_len = fixed;
  o.seed = 7;
  return o;
}

TEST(SyntheticBatches, RowZeroIsLongestAndRowsEndWithEos) {
  SyntheticBatches stream(small(false));
  for (int n = 0; n < 3; ++n) {
    const Batch b = stream.next();
    EXPECT_EQ(b.src_lengths[0], 5);
    EXPECT_EQ(b.tgt_lengths[0], 6);
    int64_t tokens = 0;
    for (int64_t i = 0; i < b.size; ++i) {
      const int64_t ls = b.src_lengths[i], lt = b.tgt_lengths[i];
      EXPECT_GE(ls, 3);  // ceil(5 / 2)
      EXPECT_EQ(b.src[i * 5 + ls - 1], 3);
      EXPECT_EQ(b.tgt_in[i * 6], 2);
      EXPECT_EQ(b.tgt_out[i * 6 + lt - 1], 3);
      for (int64_t j = ls; j < 5; ++j) EXPECT_EQ(b.src[i * 5 + j], 0);
      tokens += lt;
    }
    EXPECT_EQ(b.tgt_tokens, tokens);
  }
}

TEST(SyntheticBatches, TheSameNumbersAsTorchReference) {
  test::ScratchDir scratch("s2s-synthetic");
  for (bool fixed : {false, true}) {
    const std::string script =
        std::string("import json, sys\nsys.path.insert(0, '") + S2S_SOURCE_DIR +
        "/bench')\nimport torch_reference as t\n"
        "o = t.parse_args(['--vocab', '9', '--batch', '4', '--src-len', '5', '--tgt-len', '6', "
        "'--seed', '7'" + (fixed ? ", '--fixed-len'" : "") + "])\n"
        "rng = t.SplitMix64(o.seed)\n"
        "print(json.dumps([t.draw_batch(rng, o) for _ in range(2)]))\n";
    const std::string out = test::run_python(script, scratch.path());
    const auto reference = nlohmann::json::parse(out, nullptr, false);
    ASSERT_FALSE(reference.is_discarded()) << out;
    SyntheticBatches stream(small(fixed));
    for (const auto& r : reference) {
      const Batch b = stream.next();
      std::vector<int64_t> src, tgt_in, tgt_out;
      for (const auto& row : r[0]) src.insert(src.end(), row.begin(), row.end());
      for (const auto& row : r[2]) tgt_in.insert(tgt_in.end(), row.begin(), row.end());
      for (const auto& row : r[3]) tgt_out.insert(tgt_out.end(), row.begin(), row.end());
      EXPECT_EQ(b.src, src);
      EXPECT_EQ(b.src_lengths, r[1].get<std::vector<int64_t>>());
      EXPECT_EQ(b.tgt_in, tgt_in);
      EXPECT_EQ(b.tgt_out, tgt_out);
      EXPECT_EQ(b.tgt_tokens, r[4].get<int64_t>());
    }
  }
}

TEST(SyntheticBatches, SizesOutOfRangeNameTheFlag) {
  SyntheticBatchOptions o = small(false);
  o.vocab = 4;
  EXPECT_THROW(
      {
        try {
          SyntheticBatches s(o);
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("--vocab"), std::string::npos) << e.what();
          throw;
        }
      },
      Error);
  o = small(false);
  o.tgt_len = 0;
  EXPECT_THROW(SyntheticBatches s(o), Error);
}

}  // namespace
}  // namespace s2s
