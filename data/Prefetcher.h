#pragma once
// Prepares items begin..end-1 ahead of the training loop on a background thread, keeping
// up to `capacity` of them ready, so that a training step does not wait for batch assembly.
// An item is this rank's micro-batches of one global batch.
//
// The producer is a pure function of the index (ExampleStore::make_batch of the rank's
// share of the epoch plan's i-th global batch), which makes the prefetcher robust to a busy machine: when
// next() finds its batch not ready (the thread is behind, or was descheduled in the middle
// of building it) the caller builds that batch itself instead of waiting, and the thread's
// copy is dropped. So next() never waits longer than building one batch, and an error in
// the producer reaches the caller the same way, from its own call. The producer must be
// safe to call from two threads at once and must not call HDF5.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "data/Batch.h"

namespace s2s {

class Prefetcher {
 public:
  using Item = std::vector<Batch>;
  using Producer = std::function<Item(int64_t index)>;

  // capacity 0: no thread; next() calls the producer directly.
  Prefetcher(Producer producer, int64_t begin, int64_t end, int capacity);
  ~Prefetcher();  // stops the thread (discarding prepared batches)
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // Item `begin`, then `begin + 1`, ...; nullopt after `end - 1`.
  std::optional<Item> next();

 private:
  void run();

  Producer producer_;
  int64_t end_;
  size_t capacity_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int64_t next_out_;                 // the index next() returns next
  int64_t next_build_;               // the index the thread builds next
  std::map<int64_t, Item> ready_;    // built by the thread, not yet returned
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace s2s
