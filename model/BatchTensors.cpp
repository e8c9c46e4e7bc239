#include "model/BatchTensors.h"

#include <algorithm>

#include "core/Check.h"

namespace s2s {
namespace {

// A row-major (rows, cols) int64 vector as a tensor over its memory (no copy).
torch::Tensor host_view(const std::vector<int64_t>& data, int64_t rows, int64_t cols) {
  S2S_ASSERT(static_cast<int64_t>(data.size()) == rows * cols);
  return torch::from_blob(const_cast<int64_t*>(data.data()), {rows, cols}, torch::kInt64);
}

// The three id matrices in one pinned host buffer and one asynchronous copy, queued on the
// current stream: the copy engine reads pinned memory directly while the host goes on (from
// pageable memory the driver stages the bytes and the host waits), and one transfer instead
// of three. The host buffer may be dropped at once: for a non-blocking copy from pinned
// memory LibTorch records an event on the stream with its pinned (caching host) allocator,
// which hands the block out again only after that event, i.e. after the copy has read it.
void copy_to_device(const Batch& b, const torch::Device& device, BatchTensors& t) {
  const int64_t n_src = b.size * b.src_len, n_tgt = b.size * b.tgt_len;
  S2S_ASSERT(static_cast<int64_t>(b.src.size()) == n_src);
  S2S_ASSERT(static_cast<int64_t>(b.tgt_in.size()) == n_tgt && static_cast<int64_t>(b.tgt_out.size()) == n_tgt);
  const torch::Tensor pinned =  // (n_src + 2 n_tgt)
      torch::empty({n_src + 2 * n_tgt}, torch::TensorOptions().dtype(torch::kInt64).pinned_memory(true));
  int64_t* out = pinned.data_ptr<int64_t>();
  std::copy(b.src.begin(), b.src.end(), out);
  std::copy(b.tgt_in.begin(), b.tgt_in.end(), out + n_src);
  std::copy(b.tgt_out.begin(), b.tgt_out.end(), out + n_src + n_tgt);
  const torch::Tensor ids = pinned.to(device, /*non_blocking=*/true);  // (n_src + 2 n_tgt)
  t.src = ids.narrow(0, 0, n_src).view({b.size, b.src_len});
  t.tgt_in = ids.narrow(0, n_src, n_tgt).view({b.size, b.tgt_len});
  t.tgt_out = ids.narrow(0, n_src + n_tgt, n_tgt).view({b.size, b.tgt_len});
}

}  // namespace

BatchTensors BatchTensors::from(const Batch& b, const torch::Device& device) {
  BatchTensors t;
  if (device.is_cpu()) {
    t.src = host_view(b.src, b.size, b.src_len).clone();
    t.tgt_in = host_view(b.tgt_in, b.size, b.tgt_len).clone();
    t.tgt_out = host_view(b.tgt_out, b.size, b.tgt_len).clone();
  } else {
    copy_to_device(b, device, t);
  }
  t.src_lengths = host_view(b.src_lengths, b.size, 1).clone().view({b.size});
  if (static_cast<int64_t>(b.example_ids.size()) == b.size) {
    t.pair_ids = host_view(b.example_ids, b.size, 1).clone().view({b.size});
  } else {
    t.pair_ids = torch::full({b.size}, int64_t{-1}, torch::kLong);
  }
  t.src_tokens = b.src_tokens;
  t.tgt_tokens = b.tgt_tokens;
  t.filler = b.filler;
  return t;
}

}  // namespace s2s
