// The straggler meter across real ranks: with made-up compute times, the wait it reports is
// the mean over ranks of (slowest rank's time - own time), summed over updates.
#include "trainer/comm/StragglerMeter.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "trainer/comm/MpiCommunicator.h"

namespace s2s {
namespace {

TEST(StragglerMeterMpiTest, ReportsTheMeanWaitForTheSlowestRank) {
  MpiCommunicator comm(MPI_COMM_WORLD);
  const int size = comm.size();
  StragglerMeter meter;
  // Update 1: rank r takes 0.1 * (r + 1) s; update 2: every rank takes 0.5 s (no wait).
  meter.add(0.1 * (comm.rank() + 1));
  meter.add(0.5);
  double expected = 0;
  for (int r = 0; r < size; ++r) expected += 0.1 * size - 0.1 * (r + 1);
  expected /= size;
  EXPECT_NEAR(meter.collect(comm), expected, 1e-12);
  // collect() started a new interval: nothing recorded, nothing waited.
  EXPECT_EQ(meter.collect(comm), 0.0);
}

}  // namespace
}  // namespace s2s
