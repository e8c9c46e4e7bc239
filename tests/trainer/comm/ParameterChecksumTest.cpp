// ParameterChecksum: the same bytes give the same checksum; one changed or moved element
// changes it. (Comparing across ranks is in the MPI suite.)
#include "trainer/comm/ParameterChecksum.h"

#include <gtest/gtest.h>

namespace s2s {
namespace {

class ParameterChecksumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    torch::manual_seed(5);
    params = {torch::randn({17, 3}), torch::randn({5}, torch::kDouble), torch::randn({9}).to(torch::kHalf),
              torch::arange(4, torch::kLong)};
  }
  std::vector<torch::Tensor> copies() const {
    std::vector<torch::Tensor> out;
    for (const auto& p : params) out.push_back(p.clone());
    return out;
  }
  std::vector<torch::Tensor> params;
};

TEST_F(ParameterChecksumTest, IsTheSameForTheSameBytes) {
  const ParameterChecksum a = ParameterChecksum::of(params);
  const ParameterChecksum b = ParameterChecksum::of(copies());
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.numel, 51 + 5 + 9 + 4);
  EXPECT_EQ(a.str(), b.str());
}

TEST_F(ParameterChecksumTest, ChangesWithOneElement) {
  for (size_t k = 0; k < params.size(); ++k) {
    std::vector<torch::Tensor> changed = copies();
    torch::NoGradGuard no_grad;
    torch::Tensor flat = changed[k].view({-1});
    flat[flat.numel() - 1] = flat[flat.numel() - 1] + 1;
    EXPECT_NE(ParameterChecksum::of(changed), ParameterChecksum::of(params)) << "parameter " << k;
  }
}

TEST_F(ParameterChecksumTest, ChangesWithTheSmallestFloatDifference) {
  std::vector<torch::Tensor> changed = copies();
  torch::Tensor flat = changed[0].view({-1});
  flat[7] = std::nextafter(flat[7].item<float>(), 1e9f);
  EXPECT_NE(ParameterChecksum::of(changed), ParameterChecksum::of(params));
}

TEST_F(ParameterChecksumTest, ChangesWhenElementsSwapPlaces) {
  std::vector<torch::Tensor> swapped = copies();
  torch::Tensor flat = swapped[0].view({-1});
  const torch::Tensor first = flat[0].clone();
  flat[0] = flat[1];
  flat[1] = first;
  EXPECT_NE(ParameterChecksum::of(swapped), ParameterChecksum::of(params));
  // ...and when whole parameters swap.
  std::vector<torch::Tensor> a = {torch::ones({3}), torch::zeros({3})};
  std::vector<torch::Tensor> b = {torch::zeros({3}), torch::ones({3})};
  EXPECT_NE(ParameterChecksum::of(a), ParameterChecksum::of(b));
}

TEST_F(ParameterChecksumTest, ReadsNonContiguousAndGradRequiringParameters) {
  const torch::Tensor base = torch::randn({4, 6});
  const std::vector<torch::Tensor> transposed = {base.t().requires_grad_(false)};
  const std::vector<torch::Tensor> contiguous = {base.t().contiguous()};
  EXPECT_EQ(ParameterChecksum::of(transposed), ParameterChecksum::of(contiguous));
  const std::vector<torch::Tensor> trainable = {base.clone().requires_grad_()};
  EXPECT_EQ(ParameterChecksum::of(trainable), ParameterChecksum::of({base}));
}

TEST_F(ParameterChecksumTest, CoversLargeParametersInPieces) {
  // More than one internal piece (2^22 elements), and the same result as two halves.
  const torch::Tensor big = torch::randn({(int64_t{1} << 22) + 5});
  const ParameterChecksum whole = ParameterChecksum::of({big});
  const ParameterChecksum halves =
      ParameterChecksum::of({big.narrow(0, 0, 1000), big.narrow(0, 1000, big.numel() - 1000)});
  EXPECT_EQ(whole, halves);
  EXPECT_EQ(whole.numel, big.numel());
}

}  // namespace
}  // namespace s2s
