#include "model/BatchTensors.h"

#include "core/Check.h"

namespace s2s {
namespace {

// Copies a row-major (rows, cols) int64 vector into a tensor on `device`.
torch::Tensor to_tensor(const std::vector<int64_t>& data, int64_t rows, int64_t cols,
                        const torch::Device& device) {
  S2S_ASSERT(static_cast<int64_t>(data.size()) == rows * cols);
  auto host = torch::from_blob(const_cast<int64_t*>(data.data()), {rows, cols}, torch::kInt64);
  return device.is_cpu() ? host.clone() : host.to(device);
}

}  // namespace

BatchTensors BatchTensors::from(const Batch& b, const torch::Device& device) {
  BatchTensors t;
  t.src = to_tensor(b.src, b.size, b.src_len, device);
  t.src_lengths = to_tensor(b.src_lengths, b.size, 1, torch::kCPU).view({b.size});
  t.tgt_in = to_tensor(b.tgt_in, b.size, b.tgt_len, device);
  t.tgt_out = to_tensor(b.tgt_out, b.size, b.tgt_len, device);
  if (static_cast<int64_t>(b.example_ids.size()) == b.size) {
    t.pair_ids = to_tensor(b.example_ids, b.size, 1, torch::kCPU).view({b.size});
  } else {
    t.pair_ids = torch::full({b.size}, int64_t{-1}, torch::kLong);
  }
  t.src_tokens = b.src_tokens;
  t.tgt_tokens = b.tgt_tokens;
  t.filler = b.filler;
  return t;
}

}  // namespace s2s
