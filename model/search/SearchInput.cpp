#include "model/search/SearchInput.h"

#include "core/Check.h"

namespace s2s {

std::vector<int64_t> checked_source_lengths(const char* who, const torch::Tensor& src,
                                            const torch::Tensor& src_lengths) {
  S2S_CHECK(src.defined() && src.dim() == 2 && src.scalar_type() == torch::kLong,
            "{}: src must be a (batch, time) int64 matrix of token ids", who);
  S2S_CHECK(src_lengths.defined() && src_lengths.dim() == 1 &&
                src_lengths.scalar_type() == torch::kLong && src_lengths.size(0) == src.size(0),
            "{}: src_lengths must be a 1-D int64 tensor with one entry per row of src ({})", who,
            src.size(0));
  S2S_CHECK(src.size(0) >= 1, "{}: src has no rows", who);
  const auto cpu = src_lengths.to(torch::kCPU).contiguous();
  std::vector<int64_t> lengths(cpu.data_ptr<int64_t>(), cpu.data_ptr<int64_t>() + cpu.numel());
  for (const int64_t n : lengths)
    S2S_CHECK(n >= 1 && n <= src.size(1), "{}: src_lengths must lie in [1, {}], got {}", who,
              src.size(1), n);
  return lengths;
}

}  // namespace s2s
