#pragma once
// Writes one shard: examples are appended one at a time and flushed to HDF5 in blocks of
// about a million ids, so a shard of any size is written with bounded memory.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/ShardHeader.h"

namespace s2s {

class Hdf5File;

class ShardWriter {
 public:
  // Creates `path`; header.num_examples and the token counts are filled in by close().
  ShardWriter(const std::string& path, ShardHeader header);
  ~ShardWriter();

  // One example: source and target ids without </s> (the reader adds <s> and </s>).
  void add(const std::vector<int32_t>& source, const std::vector<int32_t>& target);
  int64_t num_examples() const { return header_.num_examples; }
  // Flushes, writes the attributes, closes the file; returns the final header.
  const ShardHeader& close();

  // Chunk sizes and compression of the datasets (see FORMAT.md for why).
  static constexpr int64_t kTokenChunk = 1 << 18;  // ids per chunk (1 MiB of int32)
  static constexpr int64_t kIndexChunk = 1 << 15;  // offsets/lengths per chunk
  static constexpr int kDeflateLevel = 4;

 private:
  struct SideData;
  void flush();

  std::string path_;
  ShardHeader header_;
  std::unique_ptr<Hdf5File> file_;
  std::unique_ptr<SideData> source_;
  std::unique_ptr<SideData> target_;
  bool closed_ = false;
};

}  // namespace s2s
