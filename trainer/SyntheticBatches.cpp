#include "trainer/SyntheticBatches.h"

#include <numeric>

#include "core/Check.h"
#include "data/TokenIds.h"

namespace s2s {
namespace {

constexpr int64_t kFirstOrdinaryId = kEosId + 1;

}  // namespace

SyntheticBatches::SyntheticBatches(const SyntheticBatchOptions& options)
    : options_(options), rng_(options.seed) {
  S2S_CHECK(options.vocab > kFirstOrdinaryId,
            "--vocab is {}: it must exceed {} (ids 0..3 are <pad> <unk> <s> </s>)", options.vocab,
            kFirstOrdinaryId);
  S2S_CHECK(options.rows >= 1, "--batch is {}: it must be at least 1", options.rows);
  S2S_CHECK(options.src_len >= 1, "--src-len is {}: it must be at least 1", options.src_len);
  S2S_CHECK(options.tgt_len >= 1, "--tgt-len is {}: it must be at least 1", options.tgt_len);
}

int64_t SyntheticBatches::uniform(int64_t lo, int64_t hi) {
  // Modulo, not Rng::below: the reference's spec, bit for bit.
  return lo + static_cast<int64_t>(rng_.next() % static_cast<uint64_t>(hi - lo + 1));
}

std::vector<int64_t> SyntheticBatches::lengths(int64_t longest) {
  std::vector<int64_t> out(options_.rows, longest);
  if (options_.fixed_len) return out;
  for (int64_t i = 1; i < options_.rows; ++i) out[i] = uniform((longest + 1) / 2, longest);
  return out;
}

Batch SyntheticBatches::next() {
  const int64_t B = options_.rows, S = options_.src_len, T = options_.tgt_len;
  const int64_t V = options_.vocab;
  Batch b;
  b.size = B;
  b.src_len = S;
  b.tgt_len = T;
  b.src_lengths = lengths(S);
  b.tgt_lengths = lengths(T);
  b.src.assign(B * S, kPadId);
  b.tgt_in.assign(B * T, kPadId);
  b.tgt_out.assign(B * T, kPadId);
  for (int64_t i = 0; i < B; ++i) {
    const int64_t n = b.src_lengths[i];
    for (int64_t j = 0; j + 1 < n; ++j) b.src[i * S + j] = uniform(kFirstOrdinaryId, V - 1);
    b.src[i * S + n - 1] = kEosId;
  }
  for (int64_t i = 0; i < B; ++i) {
    const int64_t n = b.tgt_lengths[i];
    b.tgt_in[i * T] = kBosId;
    for (int64_t j = 0; j + 1 < n; ++j) {
      const int64_t y = uniform(kFirstOrdinaryId, V - 1);
      b.tgt_in[i * T + j + 1] = y;
      b.tgt_out[i * T + j] = y;
    }
    b.tgt_out[i * T + n - 1] = kEosId;
  }
  b.example_ids.resize(B);
  std::iota(b.example_ids.begin(), b.example_ids.end(), 0);
  b.src_tokens = std::accumulate(b.src_lengths.begin(), b.src_lengths.end(), int64_t{0});
  b.tgt_tokens = std::accumulate(b.tgt_lengths.begin(), b.tgt_lengths.end(), int64_t{0});
  return b;
}

}  // namespace s2s
