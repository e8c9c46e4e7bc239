#include "trainer/comm/ParameterChecksum.h"

#include "core/Check.h"

namespace s2s {
namespace {

// The integer type of the same width as `type`, to read its elements' bits.
torch::ScalarType bits_type(torch::ScalarType type) {
  switch (c10::elementSize(type)) {
    case 1: return torch::kByte;
    case 2: return torch::kShort;
    case 4: return torch::kInt;
    case 8: return torch::kLong;
    default: S2S_FAIL("cannot checksum parameters of dtype {}", c10::toString(type));
  }
}

// Rank numbers whose entry differs from rank 0's: "1, 3".
std::string ranks_differing_from_rank_0(const std::vector<std::string>& values) {
  std::string ranks;
  for (size_t r = 1; r < values.size(); ++r)
    if (values[r] != values[0]) ranks += fmt::format("{}{}", ranks.empty() ? "" : ", ", r);
  return ranks;
}

}  // namespace

ParameterChecksum ParameterChecksum::of(const std::vector<torch::Tensor>& params) {
  torch::NoGradGuard no_grad;
  ParameterChecksum c;
  // Pieces of at most this many elements bound the int64 temporaries (8 bytes each).
  constexpr int64_t kPiece = int64_t{1} << 22;
  for (const torch::Tensor& p : params) {
    const torch::Tensor flat = p.detach().contiguous().view({-1});
    const torch::Tensor bits = flat.view(bits_type(flat.scalar_type()));
    const int64_t n = bits.numel();
    for (int64_t start = 0; start < n; start += kPiece) {
      const int64_t count = std::min(kPiece, n - start);
      const torch::Tensor piece = bits.narrow(0, start, count).to(torch::kLong);
      const torch::Tensor position =
          torch::arange(c.numel + start + 1, c.numel + start + count + 1,
                        torch::TensorOptions().dtype(torch::kLong).device(piece.device()));
      // Integer sums: exact and order-independent (two's complement wrap-around).
      c.sum = static_cast<int64_t>(static_cast<uint64_t>(c.sum) +
                                   static_cast<uint64_t>(piece.sum().item<int64_t>()));
      c.weighted = static_cast<int64_t>(static_cast<uint64_t>(c.weighted) +
                                        static_cast<uint64_t>((piece * position).sum().item<int64_t>()));
    }
    c.numel += n;
  }
  return c;
}

std::string ParameterChecksum::str() const { return fmt::format("{}:{}:{}", numel, sum, weighted); }

void broadcast_parameters(const std::vector<torch::Tensor>& params, Communicator& comm, int root) {
  std::string shapes = fmt::format("{} parameters:", params.size());
  for (const torch::Tensor& p : params)
    shapes += fmt::format("{}{};", c10::toString(p.scalar_type()), c10::str(p.sizes()));
  const std::string differ = ranks_differing_from_rank_0(comm.all_gather(shapes));
  S2S_CHECK(differ.empty(),
            "rank(s) {} have different parameters (count, shapes or dtypes) than rank 0, so rank "
            "{}'s cannot be broadcast to them: every rank must build the same model from the same config",
            differ, root);
  torch::NoGradGuard no_grad;
  for (const torch::Tensor& p : params) {
    if (p.is_contiguous()) {
      comm.broadcast(p.detach(), root);
    } else {
      const torch::Tensor copy = p.detach().contiguous();
      comm.broadcast(copy, root);
      p.detach().copy_(copy);
    }
  }
}

ParameterChecksum check_parameters_consistent(const std::vector<torch::Tensor>& params, Communicator& comm,
                                              int64_t step) {
  const ParameterChecksum mine = ParameterChecksum::of(params);
  const std::vector<std::string> all = comm.all_gather(mine.str());
  const std::string differ = ranks_differing_from_rank_0(all);
  if (differ.empty()) return mine;
  size_t first = 1;
  while (all[first] == all[0]) ++first;
  S2S_FAIL("parameters differ across ranks{}: rank(s) {} disagree with rank 0 (checksum {} on "
           "rank {}, {} on rank 0), so the ranks no longer train one model; a missed or mismatched "
           "all-reduce or a faulty node is likely: stop and resume from the last checkpoint",
           step >= 0 ? fmt::format(" at step {}", step) : "", differ, all[first], first, all[0]);
}

}  // namespace s2s
