// A rank that fails takes the whole job down, quickly: runs s2s_comm_helper under mpirun
// (two ranks, rank 1 fails while rank 0 waits in a collective) and checks that mpirun
// exits non-zero within seconds and that the failing rank's error line is shown. Also: the
// runtime works without mpirun, as a world of one.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/Subprocess.h"

namespace s2s {
namespace {

struct Timed {
  test::CommandResult result;
  double seconds;
};

Timed run(const std::string& command) {
  const auto start = std::chrono::steady_clock::now();
  test::CommandResult result = test::run_command(command);
  return {result, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

// `timeout` bounds a hang, so that a regression fails this test instead of blocking ctest;
// SIGTERM first, which mpirun passes on to its ranks (SIGKILL would orphan them).
std::string mpirun(int ranks, const std::string& mode) {
  return "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1 "
         "timeout -k 10 60 " S2S_MPIEXEC " -n " + std::to_string(ranks) +
         " --oversubscribe " S2S_COMM_HELPER " " + mode;
}

constexpr double kQuickly = 30;  // seconds; Open MPI needs about one

TEST(JobFailure, ARankThatThrowsEndsTheJob) {
  const Timed t = run(mpirun(2, "throw"));
  EXPECT_NE(t.result.exit_code, 0);
  EXPECT_LT(t.seconds, kQuickly);
  EXPECT_NE(t.result.err.find("s2s: error: rank 1 on "), std::string::npos) << t.result.err;
  EXPECT_NE(t.result.err.find("rank 1 fails on purpose"), std::string::npos) << t.result.err;
}

TEST(JobFailure, ARankThatUnwindsThroughTheRuntimeEndsTheJob) {
  const Timed t = run(mpirun(2, "unwind"));
  EXPECT_NE(t.result.exit_code, 0);
  EXPECT_LT(t.seconds, kQuickly);
  EXPECT_NE(t.result.err.find("s2s: error: rank 1 fails on purpose and unwinds"), std::string::npos)
      << t.result.err;
}

TEST(JobFailure, ARankThatThrowsWhileGradientsAreInFlightEndsTheJob) {
  const Timed t = run(mpirun(2, "sync"));
  EXPECT_NE(t.result.exit_code, 0);
  EXPECT_LT(t.seconds, kQuickly);
  EXPECT_NE(t.result.err.find("rank 1 fails on purpose after backward"), std::string::npos) << t.result.err;
}

TEST(JobFailure, ARankThatAbortsEndsTheJobWithItsCode) {
  const Timed t = run(mpirun(2, "abort"));
  EXPECT_EQ(t.result.exit_code, 3) << t.result.err;
  EXPECT_LT(t.seconds, kQuickly);
}

TEST(JobFailure, FourRanksAllEndWhenOneThrows) {
  const Timed t = run(mpirun(4, "throw"));
  EXPECT_NE(t.result.exit_code, 0);
  EXPECT_LT(t.seconds, kQuickly);
}

// The collective watchdog (CollectiveWatchdog + ArrivalTracker, armed as the trainer arms
// them, 2 s): the job ends with the watchdog's code soon after the timeout, and rank 0 names
// the step and the ranks that did not arrive.
TEST(JobFailure, ACollectiveThatTimesOutNamesTheStepAndTheRanksThatDidNotArrive) {
  const Timed t = run(mpirun(2, "stall"));
  EXPECT_EQ(t.result.exit_code, 70) << t.result.err;
  EXPECT_LT(t.seconds, 2 + 15);
  EXPECT_NE(t.result.err.find("[comm] rank 0: gradient all-reduce, step 3 did not complete within "
                              "2s; ranks that did not arrive: 1 (last arrived at 'gradient "
                              "all-reduce, step 2')"),
            std::string::npos)
      << t.result.err;
}

TEST(JobFailure, OnFourRanksTheWatchdogNamesEveryRankThatDidNotArrive) {
  const Timed t = run(mpirun(4, "stall"));
  EXPECT_EQ(t.result.exit_code, 70) << t.result.err;
  EXPECT_LT(t.seconds, 2 + 15);
  EXPECT_NE(t.result.err.find("step 3 did not complete within 2s; ranks that did not arrive: 1, 3 "
                              "(last arrived at 'gradient all-reduce, step 2')"),
            std::string::npos)
      << t.result.err;
}

TEST(JobFailure, ArmedCollectivesThatCompleteEndNormally) {
  const Timed t = run(mpirun(2, "arrive"));
  EXPECT_EQ(t.result.exit_code, 0) << t.result.err;
  EXPECT_NE(t.result.out.find("rank 1: 50 steps"), std::string::npos) << t.result.out;
  EXPECT_EQ(t.result.err.find("did not complete"), std::string::npos) << t.result.err;
}

TEST(Runtime, RunsAsAWorldOfOneWithoutMpirun) {
  const Timed t = run("timeout -k 10 60 " S2S_COMM_HELPER " describe");
  EXPECT_EQ(t.result.exit_code, 0) << t.result.err;
  EXPECT_NE(t.result.out.find("rank 0/1 on "), std::string::npos) << t.result.out;
  EXPECT_NE(t.result.out.find("(local 0/1), cpu, 1 thread"), std::string::npos) << t.result.out;
}

TEST(Runtime, FindsLocalRanksUnderMpirun) {
  const Timed t = run(mpirun(2, "describe"));
  EXPECT_EQ(t.result.exit_code, 0) << t.result.err;
  EXPECT_NE(t.result.out.find("rank 0/2 on "), std::string::npos) << t.result.out;
  EXPECT_NE(t.result.out.find("rank 1/2 on "), std::string::npos) << t.result.out;
  EXPECT_NE(t.result.out.find("(local 1/2)"), std::string::npos) << t.result.out;
  EXPECT_EQ(t.result.err.find("disagrees"), std::string::npos) << t.result.err;
}

}  // namespace
}  // namespace s2s
