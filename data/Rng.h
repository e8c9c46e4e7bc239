#pragma once
// The one random generator of data/: SplitMix64. Small, fast and specified bit for bit,
// unlike std::shuffle and std::uniform_int_distribution whose results differ between
// standard libraries. Everything random in data/ (hold-out selection, per-epoch shuffles,
// the sample corpus) derives from a seed through this class, so the same seed gives the
// same shards and the same batches on every machine.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace s2s {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  // A stream for one purpose, e.g. Rng::derive(seed, kShuffle, epoch): streams with
  // different keys are independent for all practical purposes.
  static Rng derive(uint64_t seed, uint64_t key1, uint64_t key2 = 0, uint64_t key3 = 0) {
    Rng r(seed);
    uint64_t s = r.next() ^ mix(key1 + 0x632be59bd9b4e019ULL);
    s = mix(s) ^ mix(key2 + 0x8cb92ba72f3d8dd7ULL);
    s = mix(s) ^ mix(key3 + 0x9e3779b97f4a7c15ULL);
    return Rng(s);
  }

  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix(state_);
  }

  // Uniform in [0, n) without modulo bias (Lemire's method with rejection). n > 0.
  uint64_t below(uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
    auto low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Fisher-Yates, identical on every platform.
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) {
      const size_t j = static_cast<size_t>(below(i));
      std::swap(v[i - 1], v[j]);
    }
  }

  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

}  // namespace s2s
