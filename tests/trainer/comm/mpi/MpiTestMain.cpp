// main() of the MPI suite, run as `mpirun -n N s2s_comm_mpi_tests`: every rank runs every
// case in the same order (the cases are collective); rank 0 prints the usual report, other
// ranks print only their failures, prefixed with their rank; and every rank exits non-zero
// if any rank saw a failure, so mpirun does too.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>
#include <cstdlib>

#include "core/Log.h"
#include "tests/trainer/comm/mpi/MpiTestEnv.h"

namespace s2s::test {
namespace {

Runtime* g_runtime = nullptr;

class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: Failure\n%s\n", rank_, result.file_name() ? result.file_name() : "?",
                 result.line_number(), result.summary());
  }
  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (info.result()->Failed())
      std::fprintf(stderr, "[rank %d] [  FAILED  ] %s.%s\n", rank_, info.test_suite_name(), info.name());
  }

 private:
  int rank_;
};

}  // namespace

Runtime& runtime() { return *g_runtime; }

// The suite's own check that one rank's failure fails the whole run: ctest runs this case
// with S2S_TEST_FAIL_ON_RANK=1 and expects mpirun to exit non-zero (CommMpi.OneRankFails).
TEST(MpiSuite, FailsOnTheRankNamedBySuiteSelfTest) {
  const char* rank = std::getenv("S2S_TEST_FAIL_ON_RANK");
  if (rank && std::atoi(rank) == runtime().rank()) ADD_FAILURE() << "failing on purpose on rank " << rank;
}

}  // namespace s2s::test

int main(int argc, char** argv) {
  s2s::RuntimeOptions options;
  options.use_cuda = false;  // the MPI backend is under test; NCCL has its own case
  options.threads = 1;       // the machine is shared
  s2s::Runtime runtime(&argc, &argv, options);
  s2s::test::g_runtime = &runtime;
  s2s::Log::configure(s2s::LogLevel::kWarn, runtime.rank());
  ::testing::InitGoogleTest(&argc, argv);
  if (runtime.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new s2s::test::RankFailurePrinter(runtime.rank()));
  }
  const int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  int any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (runtime.rank() == 0 && any_failed && !failed)
    std::fprintf(stderr, "another rank failed (see its [rank N] lines above)\n");
  return any_failed;
}
