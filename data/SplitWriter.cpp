#include "data/SplitWriter.h"

#include <filesystem>

#include <fmt/format.h>

#include "core/Check.h"
#include "data/Sha256.h"

namespace s2s {

SplitWriter::SplitWriter(std::string dir, std::string prefix, std::string split, int64_t count,
                         int64_t num_shards, ShardHeader header)
    : dir_(std::move(dir)), prefix_(std::move(prefix)), count_(count), num_shards_(num_shards),
      header_(std::move(header)) {
  S2S_ASSERT(num_shards_ >= 1 && num_shards_ <= count_);
  header_.split = std::move(split);
  header_.num_shards = num_shards_;
}

void SplitWriter::add(const std::vector<int32_t>& src, const std::vector<int32_t>& tgt) {
  S2S_ASSERT(written_ < count_);
  if (!writer_ || written_ == end_of(shard_)) open_next();
  writer_->add(src, tgt);
  ++written_;
}

SplitEntry SplitWriter::finish() {
  S2S_ASSERT(written_ == count_);
  close_current();
  return std::move(entry_);
}

void SplitWriter::open_next() {
  close_current();
  if (writer_) ++shard_;
  // Skip nothing: boundaries are strictly increasing because num_shards <= count.
  ShardHeader h = header_;
  h.shard_index = shard_;
  h.first_example_id = shard_ * count_ / num_shards_;
  file_ = fmt::format("{}-{:05d}.h5", prefix_, shard_);
  writer_ = std::make_unique<ShardWriter>(dir_ + "/" + file_, h);
  open_ = true;
}

void SplitWriter::close_current() {
  if (!open_) return;
  const ShardHeader& h = writer_->close();
  open_ = false;
  ShardEntry e;
  e.file = file_;
  e.examples = h.num_examples;
  e.first_example_id = h.first_example_id;
  e.src_tokens = h.src_tokens;
  e.tgt_tokens = h.tgt_tokens;
  const std::string path = dir_ + "/" + file_;
  e.bytes = static_cast<int64_t>(std::filesystem::file_size(path));
  e.sha256 = Sha256::of_file(path);
  entry_.shards.push_back(std::move(e));
}

}  // namespace s2s
