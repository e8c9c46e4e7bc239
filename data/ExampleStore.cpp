#include "data/ExampleStore.h"

#include <algorithm>

#include "core/Check.h"
#include "data/BatchBuilder.h"
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
  BatchBuilder builder;
  for (const int64_t id : planned.ids) {
    S2S_ASSERT(contains(id));
    const auto i = static_cast<size_t>(id - begin_);
    builder.add(source_.tokens.data() + source_.offsets[i], source_.offsets[i + 1] - source_.offsets[i],
                target_.tokens.data() + target_.offsets[i], target_.offsets[i + 1] - target_.offsets[i], id);
  }
  return builder.build(planned.filler);
}

}  // namespace s2s
