// Specification of DropoutMasks: a mask element is a hash of (seed, update, pair id, site,
// layer, position, unit) as written in model/DropoutMasks.h, so a pair is dropped the same
// way in any batch, beside any other pairs, at any padded length, on any rank.
#include "model/DropoutMasks.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace s2s {
namespace {

constexpr uint64_t G = 0x9e3779b97f4a7c15ULL;

// SplitMix64's finaliser, written out again from the paper rather than called.
uint64_t splitmix(uint64_t z) {
  z ^= z >> 30;
  z *= 0xbf58476d1ce4e5b9ULL;
  z ^= z >> 27;
  z *= 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The header's formula for one element, on plain uint64 words.
double reference_element(uint64_t seed, uint64_t update, int64_t pair, DropoutSite site, uint64_t layer,
                         int64_t t, int64_t f, int64_t F, double p) {
  const uint64_t update_key = splitmix(splitmix(seed) + update * G);
  const uint64_t row_key = splitmix(update_key + static_cast<uint64_t>(pair + 1) * G);
  const uint64_t site_key = splitmix(row_key ^ splitmix(static_cast<uint64_t>(site) * 256 + layer));
  const uint64_t element = splitmix(site_key + static_cast<uint64_t>(t * F + f + 1) * G);
  const auto threshold = static_cast<uint64_t>(std::llround(p * 16777216.0));
  return (element >> 40) >= threshold ? 1.0 / (1.0 - p) : 0.0;
}

torch::Tensor ids(std::vector<int64_t> v) { return torch::tensor(v, torch::kLong); }

TEST(DropoutMasks, MixIsSplitMix64) {
  // Published first outputs of SplitMix64 seeded with 0: state advances by G, output mix(state).
  EXPECT_EQ(DropoutMasks::mix(G), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(DropoutMasks::mix(2 * G), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(DropoutMasks::mix(3 * G), 0x06c45d188009454fULL);
  EXPECT_EQ(DropoutMasks::mix(G), splitmix(G));
}

TEST(DropoutMasks, EveryElementIsTheHashOfItsCoordinates) {
  const std::vector<int64_t> pairs{0, 41, -1, 123456789};
  const DropoutMasks masks(2024, 17, ids(pairs));
  const int64_t T = 5, F = 7;
  for (const double p : {0.1, 0.5}) {
    for (const auto site : {DropoutSite::source_embedding, DropoutSite::decoder_layer}) {
      for (int64_t layer : {0, 3}) {
        const auto m = masks.mask(site, layer, T, F, p, false, false, torch::kDouble);  // (B, T, F)
        ASSERT_EQ(m.sizes(), (std::vector<int64_t>{4, T, F}));
        const auto a = m.accessor<double, 3>();
        for (int64_t b = 0; b < 4; ++b)
          for (int64_t t = 0; t < T; ++t)
            for (int64_t f = 0; f < F; ++f)
              ASSERT_EQ(a[b][t][f], reference_element(2024, 17, pairs[b], site, layer, t, f, F, p))
                  << "row " << b << " t " << t << " f " << f << " p " << p;
      }
    }
  }
}

TEST(DropoutMasks, APairsMaskDoesNotDependOnTheOtherRowsOrOnThePaddedLength) {
  const DropoutMasks alone(7, 3, ids({5}));
  const DropoutMasks among(7, 3, ids({9, 2, 5}));
  const auto a = alone.mask(DropoutSite::target_embedding, 0, 4, 6, 0.3, false, false, torch::kFloat);
  const auto b = among.mask(DropoutSite::target_embedding, 0, 9, 6, 0.3, false, false, torch::kFloat);
  EXPECT_TRUE(torch::equal(a[0], b[2].slice(0, 0, 4)));
  EXPECT_FALSE(torch::equal(b[0], b[2])) << "two pairs share a mask";
}

TEST(DropoutMasks, SeedUpdateSiteAndLayerEachGiveAnotherMask) {
  const auto m = [](uint64_t seed, uint64_t update, DropoutSite site, int64_t layer) {
    return DropoutMasks(seed, update, ids({1, 2})).mask(site, layer, 8, 16, 0.5, false, false, torch::kFloat);
  };
  const auto base = m(1, 1, DropoutSite::context, 0);
  EXPECT_TRUE(torch::equal(base, m(1, 1, DropoutSite::context, 0)));
  EXPECT_FALSE(torch::equal(base, m(2, 1, DropoutSite::context, 0)));
  EXPECT_FALSE(torch::equal(base, m(1, 2, DropoutSite::context, 0)));
  EXPECT_FALSE(torch::equal(base, m(1, 1, DropoutSite::readout_input, 0)));
  EXPECT_FALSE(torch::equal(base, m(1, 1, DropoutSite::context, 1)));
}

TEST(DropoutMasks, DropsTheRequestedFractionAndScalesTheRest) {
  const DropoutMasks masks(3, 9, torch::arange(64, torch::kLong));
  for (const double p : {0.1, 0.3, 0.7}) {
    const auto m = masks.mask(DropoutSite::readout_output, 0, 50, 64, p, false, false, torch::kDouble);
    const double dropped = (m == 0).to(torch::kDouble).mean().item<double>();
    // 204800 Bernoulli draws: the standard error is at most 0.0011.
    EXPECT_NEAR(dropped, p, 0.006) << p;
    EXPECT_TRUE(torch::all((m == 0) | (m == 1.0 / (1.0 - p))).item<bool>());
    EXPECT_NEAR(m.mean().item<double>(), 1.0, 0.02) << "inverted dropout keeps the expectation";
  }
}

TEST(DropoutMasks, AVariationalMaskIsPositionZerosAndAWordMaskUnitZeros) {
  const DropoutMasks masks(5, 2, ids({4, 8, 15}));
  const auto full = masks.mask(DropoutSite::source_embedding, 0, 6, 10, 0.4, false, false, torch::kFloat);
  const auto variational = masks.mask(DropoutSite::source_embedding, 0, 6, 10, 0.4, true, false, torch::kFloat);
  ASSERT_EQ(variational.sizes(), (std::vector<int64_t>{3, 1, 10}));
  EXPECT_TRUE(torch::equal(variational, full.slice(1, 0, 1)));
  const auto words = masks.mask(DropoutSite::source_word, 0, 6, 10, 0.4, false, true, torch::kFloat);
  ASSERT_EQ(words.sizes(), (std::vector<int64_t>{3, 6, 1}));
  const auto word_units = masks.mask(DropoutSite::source_word, 0, 6, 10, 0.4, false, false, torch::kFloat);
  EXPECT_TRUE(torch::equal(words, word_units.slice(2, 0, 1)));
}

TEST(DropoutMasks, TheCpuLoopGivesTheBitsOfTheTensorOpsThatOtherDevicesRun) {
  // On the CPU mask() writes each element in one loop; on a GPU it runs as tensor ops. Both
  // are the same function: compare them bit for bit here, where both run.
  const DropoutMasks masks(77, 3, ids({0, 9, 2, 123456789, 5}));
  for (const auto dtype : {torch::kFloat, torch::kDouble, torch::kBFloat16, torch::kHalf}) {
    for (const double p : {0.0, 0.1, 0.5, 0.9}) {
      for (const bool positions : {false, true}) {
        for (const bool units : {false, true}) {
          const auto options = torch::TensorOptions().dtype(dtype);
          const auto loop = masks.mask(DropoutSite::readout_output, 1, 7, 33, p, positions, units, options);
          const auto ops = masks.mask_by_tensor_ops(DropoutSite::readout_output, 1, 7, 33, p, positions, units,
                                                    options);
          ASSERT_EQ(loop.sizes(), ops.sizes());
          ASSERT_EQ(loop.scalar_type(), dtype);
          EXPECT_TRUE(torch::equal(loop, ops)) << "dtype " << dtype << " p " << p << " positions "
                                               << positions << " units " << units;
        }
      }
    }
  }
}

TEST(DropoutMasks, TheCpuLoopDoesNotDependOnTheThreadCount) {
  const DropoutMasks masks(8, 1, torch::arange(64, torch::kLong));
  const int threads = torch::get_num_threads();
  torch::set_num_threads(1);
  const auto one = masks.mask(DropoutSite::source_embedding, 0, 12, 40, 0.3, false, false, torch::kFloat);
  torch::set_num_threads(2);
  const auto two = masks.mask(DropoutSite::source_embedding, 0, 12, 40, 0.3, false, false, torch::kFloat);
  torch::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one, two));
}

TEST(DropoutMasks, ApplyMultipliesByTheMaskAndLeavesXAloneAtRateZero) {
  const DropoutMasks masks(1, 1, ids({3, 4}));
  const auto x = torch::randn({2, 5, 6});
  EXPECT_TRUE(masks.apply(x, DropoutSite::context, 0, 0.0).is_same(x));
  const auto m = masks.mask(DropoutSite::context, 0, 5, 6, 0.25, false, false, torch::kFloat);
  EXPECT_TRUE(torch::equal(masks.apply(x, DropoutSite::context, 0, 0.25), x * m));
  const auto v = masks.mask(DropoutSite::context, 0, 5, 6, 0.25, true, false, torch::kFloat);
  EXPECT_TRUE(torch::equal(masks.apply(x, DropoutSite::context, 0, 0.25, /*variational=*/true), x * v));
}

TEST(DropoutMasks, RandomKeysFollowTorchsGenerator) {
  torch::manual_seed(12);
  const auto a = DropoutMasks::random(3).mask(DropoutSite::context, 0, 4, 4, 0.5, false, false, torch::kFloat);
  torch::manual_seed(12);
  const auto b = DropoutMasks::random(3).mask(DropoutSite::context, 0, 4, 4, 0.5, false, false, torch::kFloat);
  const auto c = DropoutMasks::random(3).mask(DropoutSite::context, 0, 4, 4, 0.5, false, false, torch::kFloat);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, c));
}

}  // namespace
}  // namespace s2s
