#include "data/BatchBuilder.h"

#include <algorithm>

#include "core/Check.h"
#include "data/TokenIds.h"

namespace s2s {

void BatchBuilder::add(const int32_t* source, int64_t source_n, const int32_t* target, int64_t target_n,
                       int64_t example_id) {
  S2S_ASSERT(source_n >= 0 && target_n >= 0);
  rows_.push_back(Row{source, source_n, target, target_n, example_id});
}

Batch BatchBuilder::build(bool filler) const {
  Batch b;
  b.size = size();
  b.filler = filler;
  for (const Row& row : rows_) {
    b.example_ids.push_back(row.example_id);
    b.src_lengths.push_back(row.source_n + 1);  // + </s>
    b.tgt_lengths.push_back(row.target_n + 1);  // + </s> (tgt_out), + <s> (tgt_in)
    b.src_len = std::max(b.src_len, row.source_n + 1);
    b.tgt_len = std::max(b.tgt_len, row.target_n + 1);
    b.src_tokens += row.source_n + 1;
    b.tgt_tokens += row.target_n + 1;
  }
  b.src.assign(static_cast<size_t>(b.size * b.src_len), kPadId);
  b.tgt_in.assign(static_cast<size_t>(b.size * b.tgt_len), kPadId);
  b.tgt_out.assign(static_cast<size_t>(b.size * b.tgt_len), kPadId);
  for (int64_t r = 0; r < b.size; ++r) {
    const Row& row = rows_[static_cast<size_t>(r)];
    int64_t* src_row = b.src.data() + r * b.src_len;
    std::copy(row.source, row.source + row.source_n, src_row);
    src_row[row.source_n] = kEosId;

    int64_t* in_row = b.tgt_in.data() + r * b.tgt_len;
    int64_t* out_row = b.tgt_out.data() + r * b.tgt_len;
    in_row[0] = kBosId;
    std::copy(row.target, row.target + row.target_n, in_row + 1);
    std::copy(row.target, row.target + row.target_n, out_row);
    out_row[row.target_n] = kEosId;
  }
  return b;
}

}  // namespace s2s
