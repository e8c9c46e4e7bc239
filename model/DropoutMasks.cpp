#include "model/DropoutMasks.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <cstring>

#include "core/Check.h"

namespace s2s {
namespace {

// A uint64 constant as the int64 with the same bits (tensors have no uint64 arithmetic;
// int64 addition and multiplication wrap the same way).
int64_t bits(uint64_t u) {
  int64_t s;
  static_assert(sizeof s == sizeof u);
  std::memcpy(&s, &u, sizeof s);
  return s;
}

// z >> s as on uint64 (torch's >> on int64 is arithmetic: clear the copied sign bits).
torch::Tensor shift_right(const torch::Tensor& z, int s) {
  return torch::bitwise_and(torch::bitwise_right_shift(z, s), bits((uint64_t{1} << (64 - s)) - 1));
}

// DropoutMasks::mix on every element of an int64 tensor.
torch::Tensor mix_tensor(torch::Tensor z) {
  z = torch::bitwise_xor(z, shift_right(z, 30)).mul_(bits(0xbf58476d1ce4e5b9ULL));
  z = torch::bitwise_xor(z, shift_right(z, 27)).mul_(bits(0x94d049bb133111ebULL));
  return torch::bitwise_xor(z, shift_right(z, 31));
}

constexpr int kRateBits = 24;  // the mask compares the top 24 bits of each element's hash

}  // namespace

uint64_t DropoutMasks::mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

DropoutMasks::DropoutMasks(uint64_t seed, uint64_t update, const torch::Tensor& pair_ids) {
  S2S_CHECK(pair_ids.defined() && pair_ids.dim() == 1 && pair_ids.scalar_type() == torch::kLong &&
                pair_ids.device().is_cpu(),
            "DropoutMasks needs pair ids as a 1-D int64 tensor on the CPU");
  const uint64_t update_key = mix(mix(seed) + update * kGolden);
  const auto ids = pair_ids.contiguous();
  row_keys_ = torch::empty_like(ids);
  const int64_t* id = ids.data_ptr<int64_t>();
  int64_t* key = row_keys_.data_ptr<int64_t>();
  for (int64_t i = 0; i < ids.size(0); ++i) {
    key[i] = bits(mix(update_key + (static_cast<uint64_t>(id[i]) + 1) * kGolden));
  }
}

DropoutMasks DropoutMasks::random(int64_t rows) {
  // Two 32-bit draws per row make a 64-bit key.
  const auto draws = torch::randint(0, int64_t{1} << 32, {rows, 2}, torch::kLong);  // (B, 2)
  return DropoutMasks(torch::bitwise_or(torch::bitwise_left_shift(draws.select(1, 0), 32),
                                        draws.select(1, 1)));
}

torch::Tensor DropoutMasks::mask(DropoutSite site, int64_t layer, int64_t T, int64_t F, double p,
                                 bool same_for_all_positions, bool same_for_all_units,
                                 const torch::TensorOptions& options) const {
  if (options.device().is_cpu()) {
    return mask_on_host(site, layer, T, F, p, same_for_all_positions, same_for_all_units, options);
  }
  return mask_by_tensor_ops(site, layer, T, F, p, same_for_all_positions, same_for_all_units, options);
}

torch::Tensor DropoutMasks::site_keys(DropoutSite site, int64_t layer) const {
  // The site's key per row: B words on the host.
  const uint64_t site_word = mix(static_cast<uint64_t>(site) * 256 + static_cast<uint64_t>(layer));
  auto keys = torch::empty({rows()}, torch::kLong);  // (B)
  const int64_t* row = row_keys_.data_ptr<int64_t>();
  int64_t* out = keys.data_ptr<int64_t>();
  for (int64_t i = 0; i < rows(); ++i) out[i] = bits(mix(static_cast<uint64_t>(row[i]) ^ site_word));
  return keys;
}

torch::Tensor DropoutMasks::mask_by_tensor_ops(DropoutSite site, int64_t layer, int64_t T, int64_t F,
                                               double p, bool same_for_all_positions,
                                               bool same_for_all_units,
                                               const torch::TensorOptions& options) const {
  S2S_ASSERT(p >= 0.0 && p < 1.0 && layer >= 0 && layer < 256);
  const int64_t B = rows();
  const auto on_device = torch::TensorOptions().dtype(torch::kLong).device(options.device());
  const int64_t positions = same_for_all_positions ? 1 : T;
  const int64_t units = same_for_all_units ? 1 : F;
  const auto counter = torch::arange(positions, on_device).mul_(F).view({1, positions, 1}) +
                       torch::arange(1, units + 1, on_device).view({1, 1, units});  // (1, T', F')
  const auto keys = site_keys(site, layer).to(options.device(), /*non_blocking=*/true).view({B, 1, 1});
  const auto hash = mix_tensor(keys + counter.mul(bits(kGolden)));  // (B, T', F')
  const int64_t threshold = std::llround(p * static_cast<double>(int64_t{1} << kRateBits));
  const auto kept = shift_right(hash, 64 - kRateBits) >= threshold;  // (B, T', F') bool
  return kept.to(options.dtype()).mul_(1.0 / (1.0 - p));
}

torch::Tensor DropoutMasks::mask_on_host(DropoutSite site, int64_t layer, int64_t T, int64_t F, double p,
                                         bool same_for_all_positions, bool same_for_all_units,
                                         const torch::TensorOptions& options) const {
  S2S_ASSERT(p >= 0.0 && p < 1.0 && layer >= 0 && layer < 256);
  // The same hash as mask_by_tensor_ops, one pass that writes each element once: the tensor
  // form makes ~15 passes over int64 tensors of the mask's size (2.9% of a small CPU step,
  // bench/RESULTS.md "CPU kernels for what remains between the GEMMs").
  const int64_t B = rows();
  const int64_t positions = same_for_all_positions ? 1 : T;
  const int64_t units = same_for_all_units ? 1 : F;
  const auto keys = site_keys(site, layer);  // (B)
  const int64_t* key = keys.data_ptr<int64_t>();
  const auto threshold = static_cast<uint64_t>(std::llround(p * static_cast<double>(int64_t{1} << kRateBits)));
  auto out = torch::empty({B, positions, units}, options);  // (B, T', F')
  AT_DISPATCH_FLOATING_TYPES_AND2(torch::kBFloat16, torch::kHalf, out.scalar_type(), "dropout_mask", [&] {
    const auto scale = static_cast<scalar_t>(1.0 / (1.0 - p));
    const auto zero = static_cast<scalar_t>(0.0);
    scalar_t* o = out.data_ptr<scalar_t>();
    // Elements are independent: the result does not depend on the thread count.
    at::parallel_for(0, B, 1, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const auto row_key = static_cast<uint64_t>(key[b]);
        scalar_t* row = o + b * positions * units;
        for (int64_t t = 0; t < positions; ++t) {
          for (int64_t f = 0; f < units; ++f) {
            const uint64_t counter = static_cast<uint64_t>(t * F + f + 1);
            const uint64_t element = mix(row_key + counter * kGolden);
            row[t * units + f] = (element >> (64 - kRateBits)) >= threshold ? scale : zero;
          }
        }
      }
    });
  });
  return out;
}

torch::Tensor DropoutMasks::apply(const torch::Tensor& x, DropoutSite site, int64_t layer, double p,
                                  bool variational) const {
  if (p <= 0.0) return x;
  S2S_ASSERT(x.dim() == 3 && x.size(0) == rows());
  return x * mask(site, layer, x.size(1), x.size(2), p, variational, /*same_for_all_units=*/false,
                  x.options());
}

}  // namespace s2s
