// Runtime under mpirun: rank, world, the local rank from the shared-memory split (and its
// agreement with Open MPI's own variable), device, threads, and its communicator.
#include "trainer/comm/Runtime.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdlib>

#include "tests/trainer/comm/mpi/MpiTestEnv.h"
#include "trainer/comm/MpiCheck.h"

namespace s2s {
namespace {

TEST(RuntimeMpi, TakesRankAndWorldFromMpi) {
  const Runtime& runtime = test::runtime();
  int rank = -1, size = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_EQ(runtime.rank(), rank);
  EXPECT_EQ(runtime.world_size(), size);
  EXPECT_EQ(runtime.host(), host_name());
}

TEST(RuntimeMpi, LocalRankAgreesWithTheLauncher) {
  const Runtime& runtime = test::runtime();
  // One node here: every rank is local.
  EXPECT_EQ(runtime.local_size(), runtime.world_size());
  EXPECT_EQ(runtime.local_rank(), runtime.rank());
  const char* ompi = std::getenv("OMPI_COMM_WORLD_LOCAL_RANK");
  ASSERT_NE(ompi, nullptr) << "run this suite under Open MPI's mpirun";
  EXPECT_EQ(runtime.local_rank(), std::atoi(ompi));
}

TEST(RuntimeMpi, RunsOnTheCpuWithTheConfiguredThreads) {
  const Runtime& runtime = test::runtime();
  EXPECT_TRUE(runtime.device().is_cpu());
  EXPECT_EQ(runtime.threads(), 1);
  EXPECT_EQ(torch::get_num_threads(), 1);
  EXPECT_TRUE(runtime.thread_multiple()) << "Open MPI 4.1 provides MPI_THREAD_MULTIPLE";
  EXPECT_NE(runtime.describe().find("rank " + std::to_string(runtime.rank()) + "/" +
                                    std::to_string(runtime.world_size())),
            std::string::npos)
      << runtime.describe();
}

TEST(RuntimeMpi, AdoptsAnInitialisedMpiAndFallsBackToTheCpuWithoutGpu) {
  // A second Runtime finds MPI initialised: it adopts it (and will not finalise it).
  RuntimeOptions options;
  options.use_cuda = true;
  options.threads = 1;
  Runtime second(nullptr, nullptr, options);
  EXPECT_EQ(second.rank(), test::runtime().rank());
  if (!torch::cuda::is_available()) {
    EXPECT_TRUE(second.device().is_cpu());
  } else {
    EXPECT_EQ(second.device(), torch::Device(torch::kCUDA, second.local_rank()));
  }
}

TEST(RuntimeMpi, MakesAnMpiCommunicatorOverAllRanks) {
  std::unique_ptr<Communicator> comm = test::runtime().make_communicator();
  EXPECT_EQ(comm->backend(), Backend::mpi);
  EXPECT_EQ(comm->rank(), test::runtime().rank());
  EXPECT_EQ(comm->size(), test::runtime().world_size());
  EXPECT_EQ(comm->all_reduce_sum(int64_t{1}), test::runtime().world_size());
}

}  // namespace
}  // namespace s2s
