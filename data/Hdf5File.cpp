#include "data/Hdf5File.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "core/Check.h"

namespace s2s {
namespace {

// On-disk types are fixed little-endian (the documented format); memory types are native.
hid_t file_type_of(Hdf5Element element) {
  switch (element) {
    case Hdf5Element::kFloat32: return H5T_IEEE_F32LE;
    case Hdf5Element::kFloat64: return H5T_IEEE_F64LE;
    case Hdf5Element::kUInt8: return H5T_STD_U8LE;
    case Hdf5Element::kInt8: return H5T_STD_I8LE;
    case Hdf5Element::kInt16: return H5T_STD_I16LE;
    case Hdf5Element::kInt32: return H5T_STD_I32LE;
    case Hdf5Element::kInt64: return H5T_STD_I64LE;
  }
  S2S_ASSERT(false);
}

hid_t memory_type_of(Hdf5Element element) {
  switch (element) {
    case Hdf5Element::kFloat32: return H5T_NATIVE_FLOAT;
    case Hdf5Element::kFloat64: return H5T_NATIVE_DOUBLE;
    case Hdf5Element::kUInt8: return H5T_NATIVE_UINT8;
    case Hdf5Element::kInt8: return H5T_NATIVE_INT8;
    case Hdf5Element::kInt16: return H5T_NATIVE_INT16;
    case Hdf5Element::kInt32: return H5T_NATIVE_INT32;
    case Hdf5Element::kInt64: return H5T_NATIVE_INT64;
  }
  S2S_ASSERT(false);
}

herr_t collect_dataset(hid_t group, const char* name, const H5L_info_t* info, void* data) {
  if (info->type != H5L_TYPE_HARD) return 0;
  const hid_t object = H5Oopen(group, name, H5P_DEFAULT);
  if (object < 0) return -1;
  if (H5Iget_type(object) == H5I_DATASET) static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  H5Oclose(object);
  return 0;
}

herr_t collect_attribute(hid_t /*location*/, const char* name, const H5A_info_t* /*info*/, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

}  // namespace

size_t hdf5_element_size(Hdf5Element element) {
  switch (element) {
    case Hdf5Element::kFloat32: return 4;
    case Hdf5Element::kFloat64: return 8;
    case Hdf5Element::kUInt8: return 1;
    case Hdf5Element::kInt8: return 1;
    case Hdf5Element::kInt16: return 2;
    case Hdf5Element::kInt32: return 4;
    case Hdf5Element::kInt64: return 8;
  }
  S2S_ASSERT(false);
}

int64_t Hdf5ArrayInfo::elements() const {
  int64_t n = 1;
  for (const int64_t d : shape) n *= d;
  return n;
}

Hdf5File Hdf5File::create(const std::string& path) {
  hdf5::silence_library_errors();
  const std::string what = "cannot create HDF5 file " + path;
  hdf5::Handle fcpl(hdf5::check(H5Pcreate(H5P_FILE_CREATE), what), &H5Pclose);
  hdf5::check(H5Pset_obj_track_times(fcpl.get(), false), what);  // root group: no timestamps
  hdf5::Handle file(hdf5::check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT), what),
                    &H5Fclose);
  return Hdf5File(std::move(file), path);
}

Hdf5File Hdf5File::create_in_memory(const std::string& name) {
  hdf5::silence_library_errors();
  const std::string what = "cannot create HDF5 file " + name + " in memory";
  hdf5::Handle fcpl(hdf5::check(H5Pcreate(H5P_FILE_CREATE), what), &H5Pclose);
  hdf5::check(H5Pset_obj_track_times(fcpl.get(), false), what);  // root group: no timestamps
  hdf5::Handle fapl(hdf5::check(H5Pcreate(H5P_FILE_ACCESS), what), &H5Pclose);
  constexpr size_t kGrowBy = size_t{16} << 20;  // the image grows in steps of 16 MB
  hdf5::check(H5Pset_fapl_core(fapl.get(), kGrowBy, /*backing_store=*/0), what);
  hdf5::Handle file(hdf5::check(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), what),
                    &H5Fclose);
  return Hdf5File(std::move(file), name);
}

std::string Hdf5File::image() {
  flush();
  const std::string what = "cannot take the image of HDF5 file " + path_;
  const ssize_t size = hdf5::check(H5Fget_file_image(file_.get(), nullptr, 0), what);
  std::string bytes(static_cast<size_t>(size), '\0');
  hdf5::check(H5Fget_file_image(file_.get(), bytes.data(), bytes.size()), what);
  return bytes;
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

void Hdf5File::write_array(const std::string& name, Hdf5Element element, const std::vector<int64_t>& shape,
                           const void* data) {
  const std::string what = "cannot write dataset /" + name + " of " + path_;
  // Parents one by one through create_group, so that they too carry no timestamps.
  for (size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
    const std::string parent = name.substr(0, slash);
    if (!has_object(parent)) create_group(parent);
  }
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  for (const int64_t d : shape) S2S_CHECK(d >= 0, "{}: negative dimension {}", what, d);
  hdf5::Handle space(hdf5::check(shape.empty() ? H5Screate(H5S_SCALAR)
                                                : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                                 what),
                     &H5Sclose);
  hdf5::Handle dcpl(hdf5::check(H5Pcreate(H5P_DATASET_CREATE), what), &H5Pclose);
  hdf5::check(H5Pset_obj_track_times(dcpl.get(), false), what);
  hdf5::Handle dataset(hdf5::check(H5Dcreate2(file_.get(), name.c_str(), file_type_of(element), space.get(),
                                              H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                                   what),
                       &H5Dclose);
  if (Hdf5ArrayInfo{element, shape}.elements() > 0) {
    hdf5::check(H5Dwrite(dataset.get(), memory_type_of(element), H5S_ALL, H5S_ALL, H5P_DEFAULT, data), what);
  }
  dataset.close(what);
}

Hdf5ArrayInfo Hdf5File::array_info(const std::string& name) const {
  const std::string what = "cannot read the type and shape of " + path_ + ":/" + name;
  S2S_CHECK(has_object(name), "{} has no dataset /{}", path_, name);
  hdf5::Handle dataset(hdf5::check(H5Dopen2(file_.get(), name.c_str(), H5P_DEFAULT), what), &H5Dclose);
  hdf5::Handle type(hdf5::check(H5Dget_type(dataset.get()), what), &H5Tclose);
  const H5T_class_t type_class = H5Tget_class(type.get());
  const size_t size = H5Tget_size(type.get());
  Hdf5ArrayInfo info;
  if (type_class == H5T_FLOAT && (size == 4 || size == 8)) {
    info.element = size == 4 ? Hdf5Element::kFloat32 : Hdf5Element::kFloat64;
  } else if (type_class == H5T_INTEGER && H5Tget_sign(type.get()) == H5T_SGN_NONE && size == 1) {
    info.element = Hdf5Element::kUInt8;
  } else if (type_class == H5T_INTEGER && H5Tget_sign(type.get()) == H5T_SGN_2 &&
             (size == 1 || size == 2 || size == 4 || size == 8)) {
    info.element = size == 1   ? Hdf5Element::kInt8
                   : size == 2 ? Hdf5Element::kInt16
                   : size == 4 ? Hdf5Element::kInt32
                               : Hdf5Element::kInt64;
  } else {
    S2S_FAIL("{}:/{} holds elements of an unsupported type (class {}, {} bytes)", path_, name,
             static_cast<int>(type_class), size);
  }
  hdf5::Handle space(hdf5::check(H5Dget_space(dataset.get()), what), &H5Sclose);
  const int rank = hdf5::check(H5Sget_simple_extent_ndims(space.get()), what);
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (rank > 0) hdf5::check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), what);
  info.shape.assign(dims.begin(), dims.end());
  return info;
}

void Hdf5File::read_array(const std::string& name, Hdf5Element element, void* out) const {
  const std::string what = "cannot read " + path_ + ":/" + name + " (truncated or corrupt?)";
  S2S_CHECK(has_object(name), "{} has no dataset /{}", path_, name);
  hdf5::Handle dataset(hdf5::check(H5Dopen2(file_.get(), name.c_str(), H5P_DEFAULT), what), &H5Dclose);
  hdf5::Handle space(hdf5::check(H5Dget_space(dataset.get()), what), &H5Sclose);
  if (hdf5::check(H5Sget_simple_extent_npoints(space.get()), what) == 0) return;
  hdf5::check(H5Dread(dataset.get(), memory_type_of(element), H5S_ALL, H5S_ALL, H5P_DEFAULT, out), what);
}

std::vector<std::string> Hdf5File::dataset_names() const {
  std::vector<std::string> names;
  hdf5::check(H5Lvisit(file_.get(), H5_INDEX_NAME, H5_ITER_INC, &collect_dataset, &names),
              "cannot list the datasets of " + path_ + " (truncated or corrupt?)");
  std::sort(names.begin(), names.end());
  return names;
}

void Hdf5File::set_double_attribute(const std::string& name, double value) {
  const std::string what = "cannot write attribute " + name + " of " + path_;
  hdf5::Handle space(hdf5::check(H5Screate(H5S_SCALAR), what), &H5Sclose);
  hdf5::Handle attr(hdf5::check(H5Acreate2(file_.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                                           H5P_DEFAULT),
                                what),
                    &H5Aclose);
  hdf5::check(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value), what);
}

double Hdf5File::double_attribute(const std::string& name) const {
  hdf5::Handle attr = open_attribute(name);
  hdf5::Handle type(hdf5::check(H5Aget_type(attr.get()), "cannot read attribute " + name), &H5Tclose);
  const H5T_class_t type_class = H5Tget_class(type.get());
  S2S_CHECK(type_class == H5T_FLOAT || type_class == H5T_INTEGER, "attribute '{}' of {} is not a number", name,
            path_);
  double value = 0;
  hdf5::check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value), "cannot read attribute " + name + " of " + path_);
  return value;
}

std::vector<std::string> Hdf5File::attribute_names() const {
  std::vector<std::string> names;
  hsize_t index = 0;
  hdf5::check(H5Aiterate2(file_.get(), H5_INDEX_NAME, H5_ITER_INC, &index, &collect_attribute, &names),
              "cannot list the attributes of " + path_ + " (truncated or corrupt?)");
  std::sort(names.begin(), names.end());
  return names;
}

Hdf5AttributeKind Hdf5File::attribute_kind(const std::string& name) const {
  hdf5::Handle attr = open_attribute(name);
  hdf5::Handle type(hdf5::check(H5Aget_type(attr.get()), "cannot read attribute " + name + " of " + path_),
                    &H5Tclose);
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER: return Hdf5AttributeKind::kInteger;
    case H5T_FLOAT: return Hdf5AttributeKind::kFloat;
    case H5T_STRING: return Hdf5AttributeKind::kString;
    default: return Hdf5AttributeKind::kOther;
  }
}

void Hdf5File::flush() {
  hdf5::check(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "cannot flush " + path_ + " (disk full?)");
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
