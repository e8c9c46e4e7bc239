#include "data/Hdf5File.h"

#include <sys/stat.h>

#include <cstdlib>
#include <vector>

#include "core/Check.h"

namespace s2s {

Hdf5File Hdf5File::create(const std::string& path) {
  hdf5::silence_library_errors();
  const std::string what = "cannot create HDF5 file " + path;
  hdf5::Handle fcpl(hdf5::check(H5Pcreate(H5P_FILE_CREATE), what), &H5Pclose);
  hdf5::check(H5Pset_obj_track_times(fcpl.get(), false), what);  // root group: no timestamps
  hdf5::Handle file(hdf5::check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT), what),
                    &H5Fclose);
  return Hdf5File(std::move(file), path);
}

Hdf5File Hdf5File::open_read(const std::string& path) {
  hdf5::silence_library_errors();
  struct stat st {};
  S2S_CHECK(::stat(path.c_str(), &st) == 0, "cannot open {}: no such file", path);
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  S2S_CHECK(is_hdf5 > 0,
            "{} is not an HDF5 file (or its header is damaged): re-run s2s prep to rebuild the corpus",
            path);
  hdf5::Handle file(
      hdf5::check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                  "cannot open HDF5 file " + path + " (truncated or corrupt? re-run s2s prep)"),
      &H5Fclose);
  return Hdf5File(std::move(file), path);
}

void Hdf5File::create_group(const std::string& name) {
  const std::string what = "cannot create group " + name + " in " + path_;
  hdf5::Handle gcpl(hdf5::check(H5Pcreate(H5P_GROUP_CREATE), what), &H5Pclose);
  hdf5::check(H5Pset_obj_track_times(gcpl.get(), false), what);
  hdf5::Handle group(hdf5::check(H5Gcreate2(file_.get(), name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), what),
                     &H5Gclose);
}

Hdf5Dataset Hdf5File::create_dataset(const std::string& name, Hdf5Int type, int64_t chunk,
                                     int deflate_level) {
  const std::string what = "cannot create dataset " + name + " in " + path_;
  hsize_t dims[1] = {0};
  hsize_t max_dims[1] = {H5S_UNLIMITED};
  hdf5::Handle space(hdf5::check(H5Screate_simple(1, dims, max_dims), what), &H5Sclose);
  hdf5::Handle dcpl(hdf5::check(H5Pcreate(H5P_DATASET_CREATE), what), &H5Pclose);
  hsize_t chunk_dims[1] = {static_cast<hsize_t>(std::max<int64_t>(chunk, 1))};
  hdf5::check(H5Pset_chunk(dcpl.get(), 1, chunk_dims), what);
  hdf5::check(H5Pset_obj_track_times(dcpl.get(), false), what);
  if (deflate_level > 0) {
    hdf5::check(H5Pset_shuffle(dcpl.get()), what);
    hdf5::check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(deflate_level)), what);
  }
  // Stored little-endian whatever the machine: the documented on-disk format.
  const hid_t file_type = type == Hdf5Int::kInt32 ? H5T_STD_I32LE : H5T_STD_I64LE;
  hdf5::Handle dataset(hdf5::check(H5Dcreate2(file_.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT,
                                              dcpl.get(), H5P_DEFAULT),
                                   what),
                       &H5Dclose);
  return Hdf5Dataset(std::move(dataset), path_ + ":/" + name);
}

Hdf5Dataset Hdf5File::open_dataset(const std::string& name) const {
  S2S_CHECK(has_object(name), "{} has no dataset /{}: it is not an s2s shard or is corrupt; re-run s2s prep",
            path_, name);
  hdf5::Handle dataset(hdf5::check(H5Dopen2(file_.get(), name.c_str(), H5P_DEFAULT),
                                   "cannot open dataset /" + name + " in " + path_),
                       &H5Dclose);
  return Hdf5Dataset(std::move(dataset), path_ + ":/" + name);
}

bool Hdf5File::has_object(const std::string& name) const {
  // H5Lexists needs every parent to exist: walk the path one component at a time.
  size_t pos = 0;
  while (true) {
    const size_t slash = name.find('/', pos);
    const std::string prefix = name.substr(0, slash);
    const htri_t exists = H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT);
    if (exists <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    if (slash == std::string::npos) return true;
    pos = slash + 1;
  }
}

void Hdf5File::set_attribute(const std::string& name, int64_t value) {
  const std::string what = "cannot write attribute " + name + " of " + path_;
  hdf5::Handle space(hdf5::check(H5Screate(H5S_SCALAR), what), &H5Sclose);
  hdf5::Handle attr(hdf5::check(H5Acreate2(file_.get(), name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT,
                                           H5P_DEFAULT),
                                what),
                    &H5Aclose);
  hdf5::check(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), what);
}

void Hdf5File::set_attribute(const std::string& name, const std::string& value) {
  const std::string what = "cannot write attribute " + name + " of " + path_;
  hdf5::Handle space(hdf5::check(H5Screate(H5S_SCALAR), what), &H5Sclose);
  // Variable-length UTF-8: h5py reads it as a Python str, h5dump prints it as text.
  hdf5::Handle type(hdf5::check(H5Tcopy(H5T_C_S1), what), &H5Tclose);
  hdf5::check(H5Tset_size(type.get(), H5T_VARIABLE), what);
  hdf5::check(H5Tset_cset(type.get(), H5T_CSET_UTF8), what);
  hdf5::Handle attr(
      hdf5::check(H5Acreate2(file_.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), what),
      &H5Aclose);
  const char* text = value.c_str();
  hdf5::check(H5Awrite(attr.get(), type.get(), &text), what);
}

bool Hdf5File::has_attribute(const std::string& name) const {
  const htri_t exists = H5Aexists(file_.get(), name.c_str());
  if (exists < 0) H5Eclear2(H5E_DEFAULT);
  return exists > 0;
}

hdf5::Handle Hdf5File::open_attribute(const std::string& name) const {
  S2S_CHECK(has_attribute(name),
            "{} has no attribute '{}': it is not an s2s shard or was written by an incompatible "
            "version; re-run s2s prep",
            path_, name);
  return hdf5::Handle(hdf5::check(H5Aopen(file_.get(), name.c_str(), H5P_DEFAULT),
                                  "cannot open attribute " + name + " of " + path_),
                      &H5Aclose);
}

int64_t Hdf5File::int_attribute(const std::string& name) const {
  hdf5::Handle attr = open_attribute(name);
  hdf5::Handle type(hdf5::check(H5Aget_type(attr.get()), "cannot read attribute " + name), &H5Tclose);
  S2S_CHECK(H5Tget_class(type.get()) == H5T_INTEGER, "attribute '{}' of {} is not an integer", name, path_);
  int64_t value = 0;
  hdf5::check(H5Aread(attr.get(), H5T_NATIVE_INT64, &value), "cannot read attribute " + name + " of " + path_);
  return value;
}

std::string Hdf5File::string_attribute(const std::string& name) const {
  const std::string what = "cannot read attribute " + name + " of " + path_;
  hdf5::Handle attr = open_attribute(name);
  hdf5::Handle type(hdf5::check(H5Aget_type(attr.get()), what), &H5Tclose);
  S2S_CHECK(H5Tget_class(type.get()) == H5T_STRING, "attribute '{}' of {} is not a string", name, path_);
  const htri_t variable = hdf5::check(H5Tis_variable_str(type.get()), what);
  if (variable > 0) {
    hdf5::Handle mem_type(hdf5::check(H5Tcopy(H5T_C_S1), what), &H5Tclose);
    hdf5::check(H5Tset_size(mem_type.get(), H5T_VARIABLE), what);
    hdf5::check(H5Tset_cset(mem_type.get(), H5Tget_cset(type.get())), what);
    char* text = nullptr;
    hdf5::check(H5Aread(attr.get(), mem_type.get(), &text), what);
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
  }
  // Fixed-length strings (as other tools may write them).
  const size_t size = H5Tget_size(type.get());
  std::vector<char> buffer(size + 1, '\0');
  hdf5::check(H5Aread(attr.get(), type.get(), buffer.data()), what);
  return std::string(buffer.data());
}

void Hdf5File::close() { file_.close("cannot finish writing " + path_ + " (disk full?)"); }

}  // namespace s2s
