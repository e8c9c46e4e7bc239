#pragma once
// Input checks shared by GreedySearch and BeamSearch (a StepModel need not check anything).
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace s2s {

// Checks src (B, T_src) int64 and src_lengths (B) int64 in [1, T_src]; returns the lengths
// on the CPU. Throws s2s::Error naming `who` and the bad argument.
std::vector<int64_t> checked_source_lengths(const char* who, const torch::Tensor& src,
                                            const torch::Tensor& src_lengths);

}  // namespace s2s
