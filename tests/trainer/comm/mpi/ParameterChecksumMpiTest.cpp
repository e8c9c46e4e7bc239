// Parameters across real ranks: broadcast from a root makes them identical; the checksum
// check passes then, and names the ranks that differ when some do.
#include "trainer/comm/ParameterChecksum.h"

#include <gtest/gtest.h>

#include "core/Error.h"
#include "tests/trainer/comm/mpi/MpiTestEnv.h"
#include "trainer/comm/MpiCommunicator.h"

namespace s2s {
namespace {

std::vector<torch::Tensor> seeded_params(uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<torch::Tensor> params = {torch::randn({17, 3}), torch::randn({5}, torch::kDouble),
                                       torch::randn({2, 6}).t(),  // non-contiguous
                                       torch::randn({9}).to(torch::kBFloat16)};
  for (auto& p : params) p.requires_grad_();
  return params;
}

class ParameterChecksumMpiTest : public ::testing::Test {
 protected:
  MpiCommunicator comm{MPI_COMM_WORLD};
  const int rank = comm.rank();
  const int size = comm.size();
};

TEST_F(ParameterChecksumMpiTest, BroadcastGivesEveryRankTheRootsParameters) {
  for (int root : {0, size - 1}) {
    const std::vector<torch::Tensor> params = seeded_params(100 + rank);  // different per rank
    broadcast_parameters(params, comm, root);
    const std::vector<torch::Tensor> roots = seeded_params(100 + root);
    for (size_t i = 0; i < params.size(); ++i)
      EXPECT_TRUE(torch::equal(params[i], roots[i])) << "root " << root << ", parameter " << i;
    const ParameterChecksum mine = check_parameters_consistent(params, comm);
    EXPECT_EQ(mine, ParameterChecksum::of(roots));
  }
}

TEST_F(ParameterChecksumMpiTest, CheckNamesTheRanksThatDiffer) {
  const std::vector<torch::Tensor> params = seeded_params(7);
  broadcast_parameters(params, comm);
  const auto drifts = [](int r) { return r % 2 == 1; };  // ranks 1, 3, ...
  if (drifts(rank)) {
    torch::NoGradGuard no_grad;
    params[1][2] = params[1][2] + 1e-12;  // one element, one ulp-scale change
  }
  const std::string expected = "rank(s) " + test::rank_list(size, drifts) + " disagree with rank 0";
  try {
    check_parameters_consistent(params, comm, 7);
    FAIL() << "no error for parameters that differ";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(expected), std::string::npos) << what;
    EXPECT_NE(what.find("at step 7"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST_F(ParameterChecksumMpiTest, BroadcastRefusesRanksWithOtherShapes) {
  std::vector<torch::Tensor> params = {torch::zeros({rank == size - 1 ? 4 : 3})};
  try {
    broadcast_parameters(params, comm);
    FAIL() << "no error for different shapes";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rank(s) " + std::to_string(size - 1) + " have different parameters"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace s2s
