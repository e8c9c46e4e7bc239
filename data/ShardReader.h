#pragma once
// Reads one shard: checks on open that it is an s2s shard of a format version this s2s
// reads and that its datasets agree with its attributes, then serves lengths (for
// planning batches) and token ranges (for the examples a rank owns).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/ShardHeader.h"

namespace s2s {

class Hdf5File;

class ShardReader {
 public:
  explicit ShardReader(const std::string& path);
  ~ShardReader();
  ShardReader(ShardReader&&) noexcept;

  const ShardHeader& header() const { return header_; }
  const std::string& path() const { return path_; }
  int64_t num_examples() const { return header_.num_examples; }

  // Token counts of every example of one side (without </s>).
  std::vector<int32_t> lengths(Side side) const;
  // Examples [begin, end) of one side: their ids back to back in `tokens`, and in `offsets`
  // (end - begin + 1 entries) where each starts, relative to the first.
  void read(Side side, int64_t begin, int64_t end, std::vector<int32_t>& tokens,
            std::vector<int64_t>& offsets) const;

 private:
  static const char* group(Side side) { return side == Side::kSource ? "src" : "tgt"; }

  std::string path_;
  std::unique_ptr<Hdf5File> file_;  // keeps <hdf5.h> out of this header
  ShardHeader header_;
};

}  // namespace s2s
