#include "data/ExampleStore.h"

#include <algorithm>

#include "core/Check.h"
#include "data/ShardReader.h"
#include "data/Vocab.h"

namespace s2s {

ExampleStore::ExampleStore(const std::string& dir, const SplitEntry& split, int64_t begin, int64_t end,
                           int64_t src_vocab_size, int64_t tgt_vocab_size)
    : begin_(begin), end_(end) {
  load(dir, split, Side::kSource, src_vocab_size);
  load(dir, split, Side::kTarget, tgt_vocab_size);
}

void ExampleStore::load(const std::string& dir, const SplitEntry& split, Side side, int64_t vocab_size) {
  SideData& out = side == Side::kSource ? source_ : target_;
  // Reserve once (the overlapping shards' token counts bound what is read), so that the
  // store never holds a grown-and-copied buffer: peak memory stays near the final size.
  int64_t bound = 0;
  for (const ShardEntry& shard : split.shards)
    if (shard.first_example_id < end_ && shard.first_example_id + shard.examples > begin_)
      bound += side == Side::kSource ? shard.src_tokens : shard.tgt_tokens;
  out.tokens.reserve(static_cast<size_t>(bound));
  out.offsets.reserve(static_cast<size_t>(end_ - begin_ + 1));
  std::vector<int32_t> tokens;
  std::vector<int64_t> offsets;
  for (const ShardEntry& shard : split.shards) {
    const int64_t lo = std::max(begin_, shard.first_example_id);
    const int64_t hi = std::min(end_, shard.first_example_id + shard.examples);
    if (lo >= hi) continue;
    const ShardReader reader(dir + "/" + shard.file);
    reader.read(side, lo - shard.first_example_id, hi - shard.first_example_id, tokens, offsets);
    for (int32_t id : tokens)
      S2S_CHECK(id >= 0 && id < vocab_size,
                "{} holds token id {} but the {} vocabulary has {} entries: shards and vocabulary do not match; "
                "re-run s2s prep",
                reader.path(), id, side == Side::kSource ? "source" : "target", vocab_size);
    const int64_t base = out.offsets.back();
    out.tokens.insert(out.tokens.end(), tokens.begin(), tokens.end());
    for (size_t i = 1; i < offsets.size(); ++i) out.offsets.push_back(base + offsets[i]);
  }
  S2S_ASSERT(static_cast<int64_t>(out.offsets.size()) == end_ - begin_ + 1);
}

std::vector<int32_t> ExampleStore::slice(const SideData& s, int64_t id) const {
  S2S_ASSERT(contains(id));
  const auto i = static_cast<size_t>(id - begin_);
  return std::vector<int32_t>(s.tokens.begin() + s.offsets[i], s.tokens.begin() + s.offsets[i + 1]);
}

std::vector<int32_t> ExampleStore::source(int64_t id) const { return slice(source_, id); }
std::vector<int32_t> ExampleStore::target(int64_t id) const { return slice(target_, id); }

Batch ExampleStore::make_batch(const PlannedBatch& planned) const {
  Batch b;
  b.size = static_cast<int64_t>(planned.ids.size());
  b.filler = planned.filler;
  b.example_ids = planned.ids;
  b.src_lengths.resize(static_cast<size_t>(b.size));
  b.tgt_lengths.resize(static_cast<size_t>(b.size));
  for (int64_t r = 0; r < b.size; ++r) {
    const int64_t id = planned.ids[static_cast<size_t>(r)];
    S2S_ASSERT(contains(id));
    const auto i = static_cast<size_t>(id - begin_);
    b.src_lengths[static_cast<size_t>(r)] = source_.offsets[i + 1] - source_.offsets[i] + 1;
    b.tgt_lengths[static_cast<size_t>(r)] = target_.offsets[i + 1] - target_.offsets[i] + 1;
    b.src_len = std::max(b.src_len, b.src_lengths[static_cast<size_t>(r)]);
    b.tgt_len = std::max(b.tgt_len, b.tgt_lengths[static_cast<size_t>(r)]);
    b.src_tokens += b.src_lengths[static_cast<size_t>(r)];
    b.tgt_tokens += b.tgt_lengths[static_cast<size_t>(r)];
  }
  b.src.assign(static_cast<size_t>(b.size * b.src_len), Vocab::kPad);
  b.tgt_in.assign(static_cast<size_t>(b.size * b.tgt_len), Vocab::kPad);
  b.tgt_out.assign(static_cast<size_t>(b.size * b.tgt_len), Vocab::kPad);
  for (int64_t r = 0; r < b.size; ++r) {
    const auto i = static_cast<size_t>(planned.ids[static_cast<size_t>(r)] - begin_);
    int64_t* src_row = b.src.data() + r * b.src_len;
    const int32_t* s = source_.tokens.data() + source_.offsets[i];
    const int64_t ns = source_.offsets[i + 1] - source_.offsets[i];
    std::copy(s, s + ns, src_row);
    src_row[ns] = Vocab::kEos;

    int64_t* in_row = b.tgt_in.data() + r * b.tgt_len;
    int64_t* out_row = b.tgt_out.data() + r * b.tgt_len;
    const int32_t* t = target_.tokens.data() + target_.offsets[i];
    const int64_t nt = target_.offsets[i + 1] - target_.offsets[i];
    in_row[0] = Vocab::kBos;
    std::copy(t, t + nt, in_row + 1);
    std::copy(t, t + nt, out_row);
    out_row[nt] = Vocab::kEos;
  }
  return b;
}

}  // namespace s2s
