#pragma once
// An HDF5 file as s2s uses it: groups, 1-D integer datasets and scalar attributes (64-bit
// integers and UTF-8 strings). Written files carry no timestamps, so the same input gives
// byte-identical files and therefore identical checksums.
#include <cstdint>
#include <string>

#include "data/Hdf5Dataset.h"
#include "data/Hdf5Error.h"

namespace s2s {

enum class Hdf5Int { kInt32, kInt64 };

class Hdf5File {
 public:
  static Hdf5File create(const std::string& path);     // truncates an existing file
  static Hdf5File open_read(const std::string& path);  // read-only

  const std::string& path() const { return path_; }

  void create_group(const std::string& name);
  // A 1-D extendible dataset, chunked by `chunk` elements; deflate_level > 0 adds the
  // byte-shuffle and deflate filters (small ids compress several-fold that way).
  Hdf5Dataset create_dataset(const std::string& name, Hdf5Int type, int64_t chunk, int deflate_level);
  Hdf5Dataset open_dataset(const std::string& name) const;
  bool has_object(const std::string& name) const;

  void set_attribute(const std::string& name, int64_t value);
  void set_attribute(const std::string& name, const std::string& value);
  bool has_attribute(const std::string& name) const;
  int64_t int_attribute(const std::string& name) const;
  std::string string_attribute(const std::string& name) const;

  // Flushes and closes; throws when that fails (a full disk shows up here).
  void close();

 private:
  Hdf5File(hdf5::Handle file, std::string path) : file_(std::move(file)), path_(std::move(path)) {}
  hdf5::Handle open_attribute(const std::string& name) const;

  hdf5::Handle file_;
  std::string path_;
};

}  // namespace s2s
