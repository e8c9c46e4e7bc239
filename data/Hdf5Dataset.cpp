#include "data/Hdf5Dataset.h"

#include "core/Check.h"

namespace s2s {

Hdf5Dataset::Hdf5Dataset(hdf5::Handle dataset, std::string label)
    : dataset_(std::move(dataset)), label_(std::move(label)) {
  hdf5::Handle space(hdf5::check(H5Dget_space(dataset_.get()), "cannot read the shape of " + label_),
                     &H5Sclose);
  const int rank = hdf5::check(H5Sget_simple_extent_ndims(space.get()), "cannot read the shape of " + label_);
  S2S_CHECK(rank == 1, "{} has {} dimensions, expected 1: the file is not an s2s shard or is corrupt",
            label_, rank);
  hsize_t dims[1] = {0};
  hdf5::check(H5Sget_simple_extent_dims(space.get(), dims, nullptr), "cannot read the shape of " + label_);
  size_ = static_cast<int64_t>(dims[0]);

  hdf5::Handle type(hdf5::check(H5Dget_type(dataset_.get()), "cannot read the type of " + label_),
                    &H5Tclose);
  S2S_CHECK(H5Tget_class(type.get()) == H5T_INTEGER,
            "{} does not hold integers: the file is not an s2s shard or is corrupt", label_);
}

int64_t Hdf5Dataset::size() const { return size_; }

void Hdf5Dataset::append(const int32_t* values, int64_t count) {
  append_raw(H5T_NATIVE_INT32, values, count);
}
void Hdf5Dataset::append(const int64_t* values, int64_t count) {
  append_raw(H5T_NATIVE_INT64, values, count);
}
void Hdf5Dataset::read(int64_t begin, int64_t count, int32_t* out) const {
  read_raw(H5T_NATIVE_INT32, begin, count, out);
}
void Hdf5Dataset::read(int64_t begin, int64_t count, int64_t* out) const {
  read_raw(H5T_NATIVE_INT64, begin, count, out);
}

void Hdf5Dataset::append_raw(hid_t mem_type, const void* values, int64_t count) {
  if (count <= 0) return;
  const std::string what = "cannot append to " + label_;
  hsize_t new_size[1] = {static_cast<hsize_t>(size_ + count)};
  hdf5::check(H5Dset_extent(dataset_.get(), new_size), what);
  hdf5::Handle file_space(hdf5::check(H5Dget_space(dataset_.get()), what), &H5Sclose);
  hsize_t start[1] = {static_cast<hsize_t>(size_)};
  hsize_t n[1] = {static_cast<hsize_t>(count)};
  hdf5::check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, n, nullptr), what);
  hdf5::Handle mem_space(hdf5::check(H5Screate_simple(1, n, nullptr), what), &H5Sclose);
  hdf5::check(H5Dwrite(dataset_.get(), mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, values),
              what);
  size_ += count;
}

void Hdf5Dataset::read_raw(hid_t mem_type, int64_t begin, int64_t count, void* out) const {
  S2S_CHECK(begin >= 0 && count >= 0 && begin + count <= size_,
            "{}: elements [{}, {}) requested but it has {}: the shard is corrupt; re-run s2s prep",
            label_, begin, begin + count, size_);
  if (count == 0) return;
  const std::string what = "cannot read " + label_ + " (the shard may be truncated or corrupt; re-run s2s prep)";
  hdf5::Handle file_space(hdf5::check(H5Dget_space(dataset_.get()), what), &H5Sclose);
  hsize_t start[1] = {static_cast<hsize_t>(begin)};
  hsize_t n[1] = {static_cast<hsize_t>(count)};
  hdf5::check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, n, nullptr), what);
  hdf5::Handle mem_space(hdf5::check(H5Screate_simple(1, n, nullptr), what), &H5Sclose);
  hdf5::check(H5Dread(dataset_.get(), mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, out), what);
}

}  // namespace s2s
