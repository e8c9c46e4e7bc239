#pragma once
// Who has arrived at a collective: the part of a collective timeout report that names the
// ranks a job is waiting for. Every rank announces each collective it is about to enter by
// its sequence number (one MPI_Isend of 8 bytes to rank 0, never waited for); rank 0 keeps,
// per rank, the newest number it received. When a collective times out, rank 0 names the
// ranks whose newest number is older than the collective's, and the collective they were
// last seen at.
//
//   ArrivalTracker arrivals;                          // collective (duplicates the world)
//   arrivals.arrive(++n, label);                      // n: the same count on every rank
//   CollectiveWatchdog::Scope armed(watchdog, label, n);
//   comm.all_reduce_sum(t);                           // on expiry: arrivals.missing(n)
//   ...
//   arrivals.finish();                                // collective, at the normal end
//
// Only rank 0 knows who is missing; the other ranks' missing() says so. Reading arrivals
// from the watchdog's thread needs MPI_THREAD_MULTIPLE; without it missing() says unknown.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace s2s {

class ArrivalTracker {
 public:
  // Over all ranks of the job, on its own duplicate of MPI_COMM_WORLD. Collective.
  ArrivalTracker();
  ~ArrivalTracker();  // local: cancels what is still posted (no collective, safe on errors)
  ArrivalTracker(const ArrivalTracker&) = delete;
  ArrivalTracker& operator=(const ArrivalTracker&) = delete;

  // This rank reached collective number `sequence` (increasing); `label` names it in reports.
  void arrive(int64_t sequence, const std::string& label);

  // For the report of a collective that timed out, e.g. "ranks that did not arrive: 1, 3
  // (last arrived at 'gradient all-reduce, step 41')". Thread-safe.
  std::string missing(int64_t sequence);

  // Collective, at the normal end: rank 0 receives every announcement still in flight, so
  // that nothing is pending at MPI_Finalize. arrive() must not be called after it.
  void finish();

 private:
  struct Mpi;  // the communicator and requests (ArrivalTracker.cpp keeps mpi.h to itself)
  void drain();  // rank 0: takes in what has arrived; caller holds mutex_

  std::unique_ptr<Mpi> mpi_;
  std::mutex mutex_;
  std::map<int64_t, std::string> labels_;  // rank 0: recent sequence numbers -> labels
};

}  // namespace s2s
