#pragma once
// An HDF5 file as s2s uses it: groups, 1-D integer datasets (shards), dense N-D arrays
// (checkpoints) and scalar attributes of the root group (64-bit integers, doubles and UTF-8
// strings). Written files carry no timestamps, so the same input gives byte-identical files
// and therefore identical checksums.
#include <cstdint>
#include <string>
#include <vector>

#include "data/Hdf5Dataset.h"
#include "data/Hdf5Error.h"

namespace s2s {

enum class Hdf5Int { kInt32, kInt64 };

// Element type of a dense array (write_array/read_array); stored little-endian on disk.
enum class Hdf5Element { kFloat32, kFloat64, kUInt8, kInt8, kInt16, kInt32, kInt64 };
size_t hdf5_element_size(Hdf5Element element);

// What a dense array holds: its element type as stored and its shape ({} for a scalar).
struct Hdf5ArrayInfo {
  Hdf5Element element = Hdf5Element::kFloat32;
  std::vector<int64_t> shape;
  int64_t elements() const;  // product of shape (1 for a scalar)
};

enum class Hdf5AttributeKind { kInteger, kFloat, kString, kOther };

class Hdf5File {
 public:
  static Hdf5File create(const std::string& path);     // truncates an existing file
  // A file built in memory only (HDF5's core driver, no backing store): nothing reaches the
  // disk until the caller writes image() itself, so a full disk never fails inside HDF5
  // (where a failed close leaves the library a file it crashes on at exit). `name` names it
  // in messages.
  static Hdf5File create_in_memory(const std::string& name);
  static Hdf5File open_read(const std::string& path);  // read-only

  const std::string& path() const { return path_; }

  void create_group(const std::string& name);
  // A 1-D extendible dataset, chunked by `chunk` elements; deflate_level > 0 adds the
  // byte-shuffle and deflate filters (small ids compress several-fold that way).
  Hdf5Dataset create_dataset(const std::string& name, Hdf5Int type, int64_t chunk, int deflate_level);
  Hdf5Dataset open_dataset(const std::string& name) const;
  bool has_object(const std::string& name) const;

  // A dense dataset written in one go (contiguous, unfiltered: h5py reads it as one numpy
  // array), e.g. a model weight. Missing parent groups of `name` are created. `data` holds
  // product(shape) elements in C order; shape {} writes a scalar (h5py: f[name][()]).
  void write_array(const std::string& name, Hdf5Element element, const std::vector<int64_t>& shape,
                   const void* data);
  // Element type and shape of a dataset written by write_array (or any numeric dataset);
  // throws when it does not exist or holds neither integers nor floats of a known width.
  Hdf5ArrayInfo array_info(const std::string& name) const;
  // Reads the whole dataset, converted by HDF5 to `element`, into `out`, which holds
  // array_info(name).elements() elements.
  void read_array(const std::string& name, Hdf5Element element, void* out) const;
  // Full paths (no leading '/') of every dataset in the file, sorted.
  std::vector<std::string> dataset_names() const;

  void set_attribute(const std::string& name, int64_t value);
  void set_attribute(const std::string& name, const std::string& value);
  // Not an overload of set_attribute: set_attribute("n", 1) must stay unambiguous.
  void set_double_attribute(const std::string& name, double value);
  bool has_attribute(const std::string& name) const;
  int64_t int_attribute(const std::string& name) const;
  std::string string_attribute(const std::string& name) const;
  double double_attribute(const std::string& name) const;  // also accepts an integer attribute
  // Names of the root group's attributes, sorted; and what each one holds.
  std::vector<std::string> attribute_names() const;
  Hdf5AttributeKind attribute_kind(const std::string& name) const;

  // Pushes everything written so far from HDF5's caches to the operating system.
  void flush();
  // Flushes and closes; throws when that fails (a full disk shows up here).
  void close();
  // The bytes of the file as written so far (flushed first), e.g. of create_in_memory().
  std::string image();

 private:
  Hdf5File(hdf5::Handle file, std::string path) : file_(std::move(file)), path_(std::move(path)) {}
  hdf5::Handle open_attribute(const std::string& name) const;

  hdf5::Handle file_;
  std::string path_;
};

}  // namespace s2s
