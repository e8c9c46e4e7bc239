#pragma once
// One decoded output of greedy or beam search, on the CPU.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace s2s {

struct Hypothesis {
  std::vector<int64_t> tokens;  // target ids, without <s> and </s>
  double log_prob = 0;          // sum of log p over tokens and the final </s>
  double score = 0;             // log_prob / lp(tokens.size() + 1): what n-best is sorted by
  bool reached_max_length = false;  // </s> was forced at SearchOptions::max_length
  // (tokens.size() + 1, source length) float32 on the CPU: the attention over the real
  // source tokens at each scored step (the last row is the step that produced </s>);
  // undefined unless SearchOptions::keep_attention.
  torch::Tensor attention;
};

// The n-best list of one source sentence, best (highest score) first.
using NBest = std::vector<Hypothesis>;

}  // namespace s2s
