#pragma once
// One 1-D integer dataset of an HDF5 file: appended to in blocks while writing (chunked,
// extendible), read back by ranges. Values are converted to/from the native C type by
// HDF5, so a shard stays readable whatever integer width a future writer picks.
#include <cstdint>
#include <string>

#include "data/Hdf5Error.h"

namespace s2s {

class Hdf5Dataset {
 public:
  // `label` names the dataset in errors, e.g. "corpus/shard-00000.h5:/src/tokens".
  Hdf5Dataset(hdf5::Handle dataset, std::string label);

  int64_t size() const;  // number of elements
  const std::string& label() const { return label_; }

  void append(const int32_t* values, int64_t count);
  void append(const int64_t* values, int64_t count);
  // Reads elements [begin, begin + count); throws when that is outside the dataset.
  void read(int64_t begin, int64_t count, int32_t* out) const;
  void read(int64_t begin, int64_t count, int64_t* out) const;

 private:
  void append_raw(hid_t mem_type, const void* values, int64_t count);
  void read_raw(hid_t mem_type, int64_t begin, int64_t count, void* out) const;

  hdf5::Handle dataset_;
  std::string label_;
  int64_t size_ = 0;
};

}  // namespace s2s
