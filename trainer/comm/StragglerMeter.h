#pragma once
// How long ranks wait for the slowest one. Synchronous data parallelism meets at every
// update's all-reduce, so a rank whose batch took c_r seconds to compute waits about
// max_r c_r - c_r there: time no overlap can hide, which only balanced batches reduce
// (data.align_ranks). Each rank records its compute time per update; every progress line
// all-gathers them once (one small collective per interval, not per update).
#include <vector>

#include "trainer/comm/Communicator.h"

namespace s2s {

class StragglerMeter {
 public:
  // This rank's compute time (forward and backward) of one update.
  void add(double compute_seconds) { compute_.push_back(compute_seconds); }

  // Collective (every rank, same number of add()s since the last call): the mean over ranks
  // of the seconds each spent waiting for the slowest rank, summed over the recorded
  // updates. Starts a new interval.
  double collect(Communicator& comm);

 private:
  std::vector<double> compute_;  // per update since the last collect()
};

}  // namespace s2s
