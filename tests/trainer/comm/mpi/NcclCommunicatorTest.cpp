// NcclCommunicator on a machine without a usable GPU: every rank gets the same clear
// one-line error (no crash, no hang). Built only with NCCL.
#include "trainer/comm/NcclCommunicator.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "core/Error.h"
#include "tests/trainer/comm/mpi/MpiTestEnv.h"

namespace s2s {
namespace {

TEST(NcclCommunicatorMpi, FailsClearlyWithoutAUsableGpu) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "this machine has a GPU";
  const Runtime& runtime = test::runtime();
  try {
    NcclCommunicator comm(MPI_COMM_WORLD, torch::Device(torch::kCUDA, runtime.local_rank()));
    FAIL() << "an NCCL communicator without a GPU";
  } catch (const Error& e) {
    const std::string what = e.what();
    if (runtime.rank() == 0) std::printf("the error reads: %s\n", what.c_str());  // for the log
    const std::string all = test::rank_list(runtime.world_size(), [](int) { return true; });
    EXPECT_NE(what.find("NCCL communicator needs a usable CUDA GPU on every rank, but rank(s) " + all),
              std::string::npos)
        << what;
    EXPECT_NE(what.find(runtime.host()), std::string::npos) << what;
    EXPECT_NE(what.find("run on the CPU"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST(NcclCommunicatorMpi, RefusesACpuDeviceTheSameWay) {
  try {
    NcclCommunicator comm(MPI_COMM_WORLD, torch::kCPU);
    FAIL() << "an NCCL communicator on the CPU";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("its device is cpu, not a CUDA GPU"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace s2s
