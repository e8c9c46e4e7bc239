// Specification of the readout (paper A.2.2): from (s_t, E y_{t-1}, c_t), in that column
// order of the one weight matrix [U_o | V_o | C_o],
//   maxout: t~ = U_o s + V_o E y + C_o c + b  (2R),  t_i = max(t~_{2i}, t~_{2i+1})  (R)
//   tanh:   t  = tanh(U_o s + V_o E y + C_o c + b)                                    (R)
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "tests/model/ModelTestUtil.h"
#include "model/Readout.h"

namespace s2s {
namespace {

constexpr int64_t D = 4, E = 3, K = 6, R = 5;

TEST(Readout, MaxoutTakesTheMaximumOfAdjacentPairs) {
  test::deterministic();
  Readout readout(ReadoutKind::maxout, D, E, K, R);
  const auto s = torch::randn({2, D}), y = torch::randn({2, E}), c = torch::randn({2, K});
  const auto out = readout->forward(s, y, c);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{2, R}));
  const auto W = readout->linear->weight;  // (2R, D + E + K)
  const auto b = readout->linear->bias;
  for (int64_t n = 0; n < 2; ++n) {
    const auto t = torch::mv(W.narrow(1, 0, D), s[n]) + torch::mv(W.narrow(1, D, E), y[n]) +
                   torch::mv(W.narrow(1, D + E, K), c[n]) + b;  // (2R): U_o s + V_o Ey + C_o c
    for (int64_t i = 0; i < R; ++i) {
      const double expected =
          std::max(t[2 * i].item<double>(), t[2 * i + 1].item<double>());
      EXPECT_NEAR(out[n][i].item<double>(), expected, 1e-5) << "row " << n << " unit " << i;
    }
  }
}

TEST(Readout, TanhIsTanhOfTheAffineMapOfTheConcatenation) {
  test::deterministic();
  Readout readout(ReadoutKind::tanh, D, E, K, R);
  const auto s = torch::randn({D}), y = torch::randn({E}), c = torch::randn({K});
  const auto W = readout->linear->weight;  // (R, D + E + K)
  ASSERT_EQ(W.sizes(), (std::vector<int64_t>{R, D + E + K}));
  const auto expected = torch::tanh(torch::mv(W.narrow(1, 0, D), s) +
                                    torch::mv(W.narrow(1, D, E), y) +
                                    torch::mv(W.narrow(1, D + E, K), c) + readout->linear->bias);
  EXPECT_TRUE(torch::allclose(readout->forward(s, y, c), expected, 1e-6, 1e-6));
}

TEST(Readout, AppliesToAnyLeadingShapeRowByRow) {
  test::deterministic();
  Readout readout(ReadoutKind::maxout, D, E, K, R);
  const auto s = torch::randn({2, 3, D}), y = torch::randn({2, 3, E}), c = torch::randn({2, 3, K});
  const auto all = readout->forward(s, y, c);  // (2, 3, R)
  ASSERT_EQ(all.sizes(), (std::vector<int64_t>{2, 3, R}));
  EXPECT_TRUE(torch::allclose(all.select(1, 2), readout->forward(s.select(1, 2), y.select(1, 2),
                                                                 c.select(1, 2)),
                              1e-6, 1e-6));
}

}  // namespace
}  // namespace s2s
