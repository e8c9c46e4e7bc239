#include "trainer/comm/ArrivalTracker.h"

#include <mpi.h>

#include <deque>
#include <vector>

#include "core/Check.h"
#include "trainer/comm/MpiCheck.h"

namespace s2s {
namespace {

constexpr int kTag = 7;                // the only tag on the tracker's own communicator
constexpr size_t kLabelsKept = 4096;   // rank 0 remembers this many recent labels

}  // namespace

struct ArrivalTracker::Mpi {
  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0;
  int size = 1;
  bool thread_multiple = false;
  bool finished = false;
  // Rank 0: per rank, the newest sequence number received (its own: the newest it announced),
  // and the receive posted for the next one.
  std::vector<int64_t> newest;
  std::vector<int64_t> incoming;
  std::vector<MPI_Request> receives;
  // Other ranks: announcements not yet known to be delivered (the buffer must live until then).
  struct Send {
    int64_t value = 0;
    MPI_Request request = MPI_REQUEST_NULL;
  };
  std::deque<Send> sends;
  int64_t last_sent = -1;  // the newest number sent (-1: none), whether delivered or not

  void post_receive(int from) {
    S2S_MPI_CHECK(MPI_Irecv(&incoming[static_cast<size_t>(from)], 1, MPI_INT64_T, from, kTag, comm,
                            &receives[static_cast<size_t>(from)]));
  }
};

ArrivalTracker::ArrivalTracker() : mpi_(std::make_unique<Mpi>()) {
  S2S_MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &mpi_->comm));
  S2S_MPI_CHECK(MPI_Comm_set_errhandler(mpi_->comm, MPI_ERRORS_RETURN));
  S2S_MPI_CHECK(MPI_Comm_rank(mpi_->comm, &mpi_->rank));
  S2S_MPI_CHECK(MPI_Comm_size(mpi_->comm, &mpi_->size));
  int provided = MPI_THREAD_SINGLE;
  S2S_MPI_CHECK(MPI_Query_thread(&provided));
  mpi_->thread_multiple = provided == MPI_THREAD_MULTIPLE;
  if (mpi_->rank == 0) {
    const auto n = static_cast<size_t>(mpi_->size);
    mpi_->newest.assign(n, 0);
    mpi_->incoming.assign(n, 0);
    mpi_->receives.assign(n, MPI_REQUEST_NULL);
    for (int r = 1; r < mpi_->size; ++r) mpi_->post_receive(r);
  }
}

ArrivalTracker::~ArrivalTracker() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  // No error checks: this may run while an error unwinds, and must not hide it.
  for (MPI_Request& request : mpi_->receives) {
    if (request == MPI_REQUEST_NULL) continue;
    MPI_Cancel(&request);
    MPI_Request_free(&request);
  }
  for (Mpi::Send& send : mpi_->sends)
    if (send.request != MPI_REQUEST_NULL) MPI_Request_free(&send.request);
  if (mpi_->comm != MPI_COMM_NULL) MPI_Comm_free(&mpi_->comm);
}

void ArrivalTracker::arrive(int64_t sequence, const std::string& label) {
  std::lock_guard<std::mutex> lock(mutex_);
  S2S_CHECK(!mpi_->finished, "ArrivalTracker::arrive after finish(): create a new tracker");
  if (mpi_->rank == 0) {
    mpi_->newest[0] = sequence;
    labels_[sequence] = label;
    while (labels_.size() > kLabelsKept) labels_.erase(labels_.begin());
    drain();
    return;
  }
  // Forget the announcements already delivered (in order: a pair's messages do not overtake).
  while (!mpi_->sends.empty()) {
    int done = 0;
    S2S_MPI_CHECK(MPI_Test(&mpi_->sends.front().request, &done, MPI_STATUS_IGNORE));
    if (!done) break;
    mpi_->sends.pop_front();
  }
  mpi_->sends.push_back({sequence, MPI_REQUEST_NULL});
  mpi_->last_sent = sequence;
  Mpi::Send& send = mpi_->sends.back();  // deque: stays put while newer ones are added
  S2S_MPI_CHECK(MPI_Isend(&send.value, 1, MPI_INT64_T, 0, kTag, mpi_->comm, &send.request));
}

void ArrivalTracker::drain() {
  for (int r = 1; r < mpi_->size; ++r) {
    MPI_Request& request = mpi_->receives[static_cast<size_t>(r)];
    while (request != MPI_REQUEST_NULL) {
      int done = 0;
      S2S_MPI_CHECK(MPI_Test(&request, &done, MPI_STATUS_IGNORE));
      if (!done) break;
      mpi_->newest[static_cast<size_t>(r)] = mpi_->incoming[static_cast<size_t>(r)];
      if (!mpi_->finished) mpi_->post_receive(r);
    }
  }
}

std::string ArrivalTracker::missing(int64_t sequence) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (mpi_->rank != 0) return "ranks that did not arrive: rank 0 keeps that record and reports them";
  if (sequence <= 0) return "ranks that did not arrive: unknown (no collective was announced yet)";
  if (!mpi_->thread_multiple)
    return "ranks that did not arrive: unknown (MPI gives no MPI_THREAD_MULTIPLE, so the watchdog "
           "cannot read arrivals while the job waits)";
  try {
    drain();
  } catch (const std::exception& e) {
    return fmt::format("ranks that did not arrive: unknown ({})", e.what());
  }
  // Group the missing ranks by where they were last seen.
  std::map<int64_t, std::vector<int>> by_last;
  for (int r = 0; r < mpi_->size; ++r)
    if (mpi_->newest[static_cast<size_t>(r)] < sequence)
      by_last[mpi_->newest[static_cast<size_t>(r)]].push_back(r);
  if (by_last.empty()) {
    const auto label = labels_.find(sequence);
    return fmt::format("ranks that did not arrive: none known (every rank reached '{}'; one is "
                       "stuck after it, or the network between them is)",
                       label != labels_.end() ? label->second : fmt::format("collective #{}", sequence));
  }
  std::string text = "ranks that did not arrive:";
  bool first = true;
  for (auto it = by_last.rbegin(); it != by_last.rend(); ++it) {
    text += first ? " " : "; ";
    first = false;
    for (size_t i = 0; i < it->second.size(); ++i)
      text += fmt::format("{}{}", i == 0 ? "" : ", ", it->second[i]);
    const auto label = labels_.find(it->first);
    if (it->first == 0)
      text += " (not seen at any collective yet)";
    else if (label != labels_.end())
      text += fmt::format(" (last arrived at '{}')", label->second);
    else
      text += fmt::format(" (last arrived at collective #{})", it->first);
  }
  return text;
}

void ArrivalTracker::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (mpi_->finished) return;
  // How many announcements each rank made; rank 0 then waits for exactly those.
  const int64_t mine = mpi_->rank == 0 ? mpi_->newest[0] : mpi_->last_sent;
  std::vector<int64_t> last(static_cast<size_t>(mpi_->size), 0);
  S2S_MPI_CHECK(MPI_Gather(&mine, 1, MPI_INT64_T, last.data(), 1, MPI_INT64_T, 0, mpi_->comm));
  if (mpi_->rank == 0) {
    for (int r = 1; r < mpi_->size; ++r) {
      const auto i = static_cast<size_t>(r);
      while (last[i] >= 0 && mpi_->newest[i] < last[i]) {
        S2S_MPI_CHECK(MPI_Wait(&mpi_->receives[i], MPI_STATUS_IGNORE));
        mpi_->newest[i] = mpi_->incoming[i];
        if (mpi_->newest[i] < last[i]) mpi_->post_receive(r);
      }
      // The receive posted for a next announcement that will not come.
      if (mpi_->receives[i] != MPI_REQUEST_NULL) {
        S2S_MPI_CHECK(MPI_Cancel(&mpi_->receives[i]));
        S2S_MPI_CHECK(MPI_Wait(&mpi_->receives[i], MPI_STATUS_IGNORE));
      }
    }
  } else {
    for (Mpi::Send& send : mpi_->sends) S2S_MPI_CHECK(MPI_Wait(&send.request, MPI_STATUS_IGNORE));
    mpi_->sends.clear();
  }
  mpi_->finished = true;
}

}  // namespace s2s
