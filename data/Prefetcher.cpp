#include "data/Prefetcher.h"

#include <algorithm>

namespace s2s {

Prefetcher::Prefetcher(Producer producer, int64_t begin, int64_t end, int capacity)
    : producer_(std::move(producer)),
      end_(end),
      capacity_(capacity > 0 ? static_cast<size_t>(capacity) : 0),
      next_out_(begin),
      next_build_(begin) {
  if (capacity_ > 0 && begin < end) thread_ = std::thread([this] { run(); });
}

Prefetcher::~Prefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Prefetcher::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    // Never build what the caller has already taken (it built those itself).
    changed_.wait(lock, [&] {
      next_build_ = std::max(next_build_, next_out_);
      return stop_ || next_build_ >= end_ ||
             next_build_ < next_out_ + static_cast<int64_t>(capacity_);
    });
    if (stop_ || next_build_ >= end_) return;
    const int64_t index = next_build_++;
    lock.unlock();
    std::optional<Item> batch;
    try {
      batch = producer_(index);
    } catch (...) {
      // The caller will build this batch itself and get the same error from its own call.
      lock.lock();
      return;
    }
    lock.lock();
    if (index >= next_out_) ready_.emplace(index, std::move(*batch));
    changed_.notify_all();
  }
}

std::optional<Prefetcher::Item> Prefetcher::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (next_out_ >= end_) return std::nullopt;
  const int64_t index = next_out_++;
  const auto it = ready_.find(index);
  if (it != ready_.end()) {
    Item batch = std::move(it->second);
    ready_.erase(it);
    changed_.notify_all();
    return batch;
  }
  changed_.notify_all();  // the thread skips `index` now
  lock.unlock();
  return producer_(index);  // not ready: build it here rather than wait
}

}  // namespace s2s
