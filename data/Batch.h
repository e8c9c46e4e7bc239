#pragma once
// One batch for one rank, as plain row-major vectors that the trainer wraps with
// torch::from_blob (no copy, no LibTorch here). Special ids: <pad>=0, <s>=2, </s>=3.
//
//   src      (size, src_len)  x_1..x_n </s>, then <pad>     rows longest source first
//   tgt_in   (size, tgt_len)  <s> y_1..y_m, then <pad>      teacher-forcing input
//   tgt_out  (size, tgt_len)  y_1..y_m </s>, then <pad>     what the decoder must predict
#include <any>
#include <cstdint>
#include <vector>

namespace s2s {

struct Batch {
  int64_t size = 0;     // pairs (rows)
  int64_t src_len = 0;  // columns of src: longest source + 1
  int64_t tgt_len = 0;  // columns of tgt_in / tgt_out: longest target + 1
  std::vector<int64_t> src;
  std::vector<int64_t> src_lengths;  // (size) tokens of each row with </s>
  std::vector<int64_t> tgt_in;
  std::vector<int64_t> tgt_out;
  std::vector<int64_t> tgt_lengths;  // (size) tokens of each row with </s> (= with <s>)
  std::vector<int64_t> example_ids;  // (size) ids within the split: training keys dropout masks by them
  int64_t src_tokens = 0;  // sum of src_lengths: non-pad source tokens
  int64_t tgt_tokens = 0;  // sum of tgt_lengths: non-pad target tokens (the loss's denominator)
  // A copy of a real batch that only keeps this rank in step with the others (it happens only
  // when a rank has fewer pairs than the others have batches): give it zero weight.
  bool filler = false;
  // What a layer above made of this batch on the prefetch thread (CorpusReader::set_preparer):
  // the trainer's model input tensors, copied to the device ahead of the step. Empty without
  // a preparer; data/ never looks inside.
  std::any prepared;
};

}  // namespace s2s
