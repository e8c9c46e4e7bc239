// MpiCommunicator across real ranks: sums, broadcasts, scalars and gathers; and the checks
// that refuse bad tensors before any rank communicates.
#include "trainer/comm/MpiCommunicator.h"

#include <gtest/gtest.h>

#include "core/Error.h"
#include "tests/trainer/comm/mpi/MpiTestEnv.h"
#include "trainer/comm/MpiCheck.h"

namespace s2s {
namespace {

class MpiCommunicatorTest : public ::testing::Test {
 protected:
  MpiCommunicator comm{MPI_COMM_WORLD};
  const int rank = comm.rank();
  const int size = comm.size();
  const double triangle = size * (size + 1) / 2.0;  // sum of rank + 1 over the ranks
};

TEST_F(MpiCommunicatorTest, KnowsItsRankAndSize) {
  int world_rank = -1, world_size = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  EXPECT_EQ(rank, world_rank);
  EXPECT_EQ(size, world_size);
  EXPECT_GE(size, 2) << "run this suite under mpirun -n 2 or more";
  EXPECT_EQ(comm.backend(), Backend::mpi);
  EXPECT_TRUE(comm.device().is_cpu());
}

TEST_F(MpiCommunicatorTest, SumsFloat32TensorsInPlace) {
  const torch::Tensor t = torch::full({3, 5}, static_cast<float>(rank + 1));
  comm.all_reduce_sum(t);
  EXPECT_TRUE(torch::equal(t, torch::full({3, 5}, static_cast<float>(triangle))));
}

TEST_F(MpiCommunicatorTest, SumsFloat64AndInt64Exactly) {
  const torch::Tensor d = torch::arange(7, torch::kDouble) * (rank + 1) + 0.25;
  comm.all_reduce_sum(d);
  EXPECT_TRUE(torch::allclose(d, torch::arange(7, torch::kDouble) * triangle + 0.25 * size, 0, 1e-12));
  const int64_t big = int64_t{1} << 40;  // beyond float precision, exact in int64
  const torch::Tensor l = torch::full({4}, big + rank, torch::kLong);
  comm.all_reduce_sum(l);
  EXPECT_EQ(l[3].item<int64_t>(), big * size + size * (size - 1) / 2);
}

TEST_F(MpiCommunicatorTest, SumsAMultiMegabyteTensor) {
  const torch::Tensor t = torch::full({3 * 1000 * 1000 + 17}, static_cast<float>(rank + 1));
  comm.all_reduce_sum(t);
  EXPECT_EQ(t.min().item<float>(), static_cast<float>(triangle));
  EXPECT_EQ(t.max().item<float>(), static_cast<float>(triangle));
}

TEST_F(MpiCommunicatorTest, SplitsTensorsLargerThanOneMpiCallIntoPieces) {
  MpiCommunicator::set_max_count_for_testing(7);  // 100 elements: 15 pieces, the last short
  const torch::Tensor t = torch::arange(100, torch::kDouble) * (rank + 1);
  comm.all_reduce_sum(t);
  const torch::Tensor b = torch::arange(101, torch::kInt) * (rank == 1 ? 1 : 0);  // 404 bytes
  comm.broadcast(b, 1);
  MpiCommunicator::set_max_count_for_testing(int64_t{1} << 30);
  EXPECT_TRUE(torch::equal(t, torch::arange(100, torch::kDouble) * triangle));
  EXPECT_TRUE(torch::equal(b, torch::arange(101, torch::kInt)));
}

TEST_F(MpiCommunicatorTest, BroadcastsAnyDtypeFromAnyRoot) {
  const int root = size - 1;
  const torch::Tensor t = torch::full({3, 4}, rank, torch::kInt);
  const torch::Tensor h = torch::full({5}, rank + 0.5, torch::kBFloat16);
  comm.broadcast(t, root);
  comm.broadcast(h, root);
  EXPECT_TRUE(torch::equal(t, torch::full({3, 4}, root, torch::kInt)));
  EXPECT_TRUE(torch::equal(h, torch::full({5}, root + 0.5, torch::kBFloat16)));
}

TEST_F(MpiCommunicatorTest, SumsScalars) {
  EXPECT_DOUBLE_EQ(comm.all_reduce_sum(static_cast<double>(rank + 1)), triangle);
  EXPECT_EQ(comm.all_reduce_sum(static_cast<int64_t>(rank + 1)), static_cast<int64_t>(triangle));
}

TEST_F(MpiCommunicatorTest, GathersIntegersAndStringsOfAnyLength) {
  const std::vector<int64_t> ints = comm.all_gather(static_cast<int64_t>(rank * 10));
  const std::vector<std::string> strings = comm.all_gather(std::string(rank, 'x'));  // rank 0: ""
  ASSERT_EQ(ints.size(), static_cast<size_t>(size));
  ASSERT_EQ(strings.size(), static_cast<size_t>(size));
  for (int r = 0; r < size; ++r) {
    EXPECT_EQ(ints[r], r * 10);
    EXPECT_EQ(strings[r], std::string(r, 'x'));
  }
}

TEST_F(MpiCommunicatorTest, RefusesBadTensorsBeforeCommunicating) {
  // Every rank refuses locally, so no rank is left waiting in a collective.
  EXPECT_THROW(comm.all_reduce_sum(torch::ones({3}, torch::kInt)), Error);
  EXPECT_THROW(comm.all_reduce_sum(torch::ones({3, 4}).t()), Error);
  EXPECT_THROW(comm.all_reduce_sum(torch::Tensor()), Error);
  EXPECT_THROW(comm.all_reduce_sum(torch::ones({3}, torch::Device(torch::kMeta))), Error);
  EXPECT_THROW(comm.broadcast(torch::ones({3}), size), Error);
  try {
    comm.all_reduce_sum(torch::ones({3}, torch::kInt));
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("float32, float64 and int64"), std::string::npos) << e.what();
  }
  comm.barrier();
}

TEST_F(MpiCommunicatorTest, TurnsMpiErrorsIntoOneLineNamingHostAndCall) {
  int value = 0;
  try {
    // An invalid root: every rank's MPI refuses it locally, and returns the error (the
    // communicator has MPI_ERRORS_RETURN) instead of killing the job.
    S2S_MPI_CHECK(MPI_Bcast(&value, 1, MPI_INT, size + 5, comm.handle()));
    FAIL() << "MPI accepted an invalid root";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(host_name()), std::string::npos) << what;
    EXPECT_NE(what.find("MPI failure"), std::string::npos) << what;
    EXPECT_NE(what.find("MpiCommunicatorTest.cpp:"), std::string::npos) << what;
    EXPECT_NE(what.find("in MPI_Bcast: '"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
  comm.barrier();
}

TEST_F(MpiCommunicatorTest, DuplicatesWorkIndependently) {
  std::unique_ptr<Communicator> copy = comm.duplicate();
  EXPECT_EQ(copy->rank(), rank);
  EXPECT_EQ(copy->size(), size);
  const torch::Tensor a = torch::ones({2});
  const torch::Tensor b = torch::ones({2}) * 2;
  copy->all_reduce_sum(b);
  comm.all_reduce_sum(a);
  EXPECT_TRUE(torch::equal(a, torch::full({2}, static_cast<float>(size))));
  EXPECT_TRUE(torch::equal(b, torch::full({2}, 2.0f * size)));
  EXPECT_EQ(copy->thread_safe(), test::runtime().thread_multiple());
}

}  // namespace
}  // namespace s2s
