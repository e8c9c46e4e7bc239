#include "trainer/checkpoint/CheckpointFile.h"

#include <filesystem>
#include <optional>
#include <sstream>

#include "core/Check.h"
#include "data/Hdf5File.h"
#include "data/Sha256.h"
#include "trainer/checkpoint/CheckpointCodec.h"
#include "trainer/checkpoint/DurableFile.h"

namespace s2s {
namespace fs = std::filesystem;
namespace {

const char* const kFormat = "s2s-checkpoint";
const std::string kMetricPrefix = "metric.";
const std::string kVocabPrefix = "vocab_hash.";
const std::vector<std::string> kRankFields = {"cursor", "cpu_rng_state", "cuda_rng_state"};

Hdf5Element element_of(torch::Dtype dtype) {
  switch (dtype) {
    case torch::kFloat32: return Hdf5Element::kFloat32;
    case torch::kFloat64: return Hdf5Element::kFloat64;
    case torch::kUInt8: return Hdf5Element::kUInt8;
    case torch::kInt8: return Hdf5Element::kInt8;
    case torch::kInt16: return Hdf5Element::kInt16;
    case torch::kInt32: return Hdf5Element::kInt32;
    case torch::kInt64: return Hdf5Element::kInt64;
    default: S2S_ASSERT(false);  // CheckpointState::validate() refuses the others
  }
}

torch::Dtype dtype_of(Hdf5Element element) {
  switch (element) {
    case Hdf5Element::kFloat32: return torch::kFloat32;
    case Hdf5Element::kFloat64: return torch::kFloat64;
    case Hdf5Element::kUInt8: return torch::kUInt8;
    case Hdf5Element::kInt8: return torch::kInt8;
    case Hdf5Element::kInt16: return torch::kInt16;
    case Hdf5Element::kInt32: return torch::kInt32;
    case Hdf5Element::kInt64: return torch::kInt64;
  }
  S2S_ASSERT(false);
}

std::string rank_dataset(int64_t rank, const std::string& field) {
  return "rank/" + std::to_string(rank) + "/" + field;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

int64_t size_of(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? -1 : static_cast<int64_t>(size);
}

std::string join_lines(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : "\n") + n;
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  std::string line;
  while (std::getline(s, line)) out.push_back(line);
  return out;
}

void write_bytes(Hdf5File& file, const std::string& name, const void* data, size_t size) {
  file.write_array(name, Hdf5Element::kUInt8, {static_cast<int64_t>(size)}, data);
}

std::vector<uint8_t> read_bytes(const Hdf5File& file, const std::string& name) {
  const Hdf5ArrayInfo info = file.array_info(name);
  S2S_CHECK(info.element == Hdf5Element::kUInt8 && info.shape.size() == 1,
            "checkpoint {}: /{} is not a byte array: the file is damaged or not an s2s checkpoint", file.path(), name);
  std::vector<uint8_t> bytes(static_cast<size_t>(info.elements()));
  file.read_array(name, Hdf5Element::kUInt8, bytes.data());
  return bytes;
}

// Steps 1-3 of reading: size and checksum as recorded, then the format and its version.
// Errors are one line naming the file; "what to do" is the caller's fallback.
Hdf5File open_verified(const std::string& path, const std::string& expected_sha256, int64_t expected_bytes) {
  const int64_t bytes = size_of(path);
  S2S_CHECK(bytes >= 0, "checkpoint {} is missing{}", path,
            expected_bytes >= 0 ? " (the manifest lists it: was it deleted?)" : "");
  S2S_CHECK(expected_bytes < 0 || bytes >= expected_bytes,
            "checkpoint {} is truncated: {} bytes, the manifest records {}", path, bytes, expected_bytes);
  S2S_CHECK(expected_bytes < 0 || bytes == expected_bytes,
            "checkpoint {} has {} bytes but the manifest records {}: it was modified after it was written", path,
            bytes, expected_bytes);
  if (!expected_sha256.empty()) {
    const std::string sha = Sha256::of_file(path);
    S2S_CHECK(sha == expected_sha256,
              "checkpoint {} is corrupt: checksum mismatch (SHA-256 {}, the manifest records {}): it was damaged "
              "after it was written",
              path, sha, expected_sha256);
  }
  std::optional<Hdf5File> file;
  try {
    file.emplace(Hdf5File::open_read(path));
  } catch (const Error&) {
    S2S_FAIL("checkpoint {} cannot be opened as HDF5: it is truncated or corrupt", path);
  }
  S2S_CHECK(file->has_attribute("format") && file->attribute_kind("format") == Hdf5AttributeKind::kString &&
                file->string_attribute("format") == kFormat,
            "{} is not an s2s checkpoint (its attribute format is not \"{}\")", path, kFormat);
  S2S_CHECK(file->has_attribute("format_version") &&
                file->attribute_kind("format_version") == Hdf5AttributeKind::kInteger,
            "checkpoint {} has no integer attribute format_version: it is damaged", path);
  const int64_t version = file->int_attribute("format_version");
  S2S_CHECK(version <= CheckpointFile::kFormatVersion,
            "checkpoint {} has format version {}, this s2s reads up to version {}: it was written by a newer s2s; "
            "use that one",
            path, version, CheckpointFile::kFormatVersion);
  S2S_CHECK(version >= 1, "checkpoint {} has format version {}, which no s2s wrote: it is damaged", path, version);
  return std::move(*file);
}

void require_attribute(const Hdf5File& file, const std::string& name, Hdf5AttributeKind kind) {
  S2S_CHECK(file.has_attribute(name) && file.attribute_kind(name) == kind,
            "checkpoint {} lacks attribute {} (or it has the wrong type): it is damaged", file.path(), name);
}

}  // namespace

int64_t CheckpointFile::version_of(const CheckpointState& state) {
  // Version 1 readers would decode a file with EMA weights with its raw ones, against the
  // metrics that the EMA weights scored: they must refuse it.
  return CheckpointCodec::holds_ema(state) ? 2 : 1;
}

void CheckpointFile::write(const std::string& path, const CheckpointState& state, const FaultHook& fault) {
  // Built in memory, then written with one checked, synced write of our own: a full disk
  // fails that write (one clear error) and never an HDF5 call, whose failed close would
  // leave the library a half-closed file that it crashes on at exit.
  Hdf5File file = Hdf5File::create_in_memory(path);
  fault("created");
  file.set_attribute("format", kFormat);
  file.set_attribute("format_version", version_of(state));
  file.set_attribute("step", state.step);
  file.set_attribute("epoch", state.epoch);
  file.set_attribute("world_size", state.world_size());
  file.set_attribute("config_yaml", state.config_yaml);
  std::vector<std::string> names;
  for (const auto& [name, tensor] : state.tensors) names.push_back(name);
  // The table of contents: a reader checks that each listed dataset exists.
  file.set_attribute("tensors", join_lines(names));
  for (const auto& [name, value] : state.metrics) file.set_double_attribute(kMetricPrefix + name, value);
  for (const auto& [name, hash] : state.vocab_hashes) file.set_attribute(kVocabPrefix + name, hash);
  for (const auto& [name, value] : state.scalars) {
    if (const auto* i = std::get_if<int64_t>(&value)) file.set_attribute(name, *i);
    else if (const auto* d = std::get_if<double>(&value)) file.set_double_attribute(name, *d);
    else file.set_attribute(name, std::get<std::string>(value));
  }
  fault("attributes");
  for (const auto& [name, tensor] : state.tensors) {
    const torch::Tensor t = tensor.to(torch::kCPU).contiguous();
    file.write_array(name, element_of(t.scalar_type()), t.sizes().vec(), t.data_ptr());
    fault("tensor");
  }
  for (int64_t r = 0; r < state.world_size(); ++r) {
    const CheckpointState::Rank& rank = state.ranks[static_cast<size_t>(r)];
    write_bytes(file, rank_dataset(r, "cursor"), rank.cursor.data(), rank.cursor.size());
    write_bytes(file, rank_dataset(r, "cpu_rng_state"), rank.cpu_rng_state.data(), rank.cpu_rng_state.size());
    write_bytes(file, rank_dataset(r, "cuda_rng_state"), rank.cuda_rng_state.data(), rank.cuda_rng_state.size());
    fault("rank");
  }
  const std::string image = file.image();
  fault("flushed");
  file.close();
  fault("closed");
  DurableFile::write_synced(path, image);
  fault("written");
}


CheckpointState CheckpointFile::read(const std::string& path, const std::string& expected_sha256,
                                     int64_t expected_bytes) {
  const Hdf5File file = open_verified(path, expected_sha256, expected_bytes);
  for (const char* name : {"step", "epoch", "world_size"}) require_attribute(file, name, Hdf5AttributeKind::kInteger);
  for (const char* name : {"config_yaml", "tensors"}) require_attribute(file, name, Hdf5AttributeKind::kString);

  CheckpointState state;
  state.source = path;
  state.step = file.int_attribute("step");
  state.epoch = file.int_attribute("epoch");
  const int64_t world_size = file.int_attribute("world_size");
  S2S_CHECK(world_size >= 1 && world_size <= (1 << 20), "checkpoint {} has world_size {}: it is damaged", path,
            world_size);
  state.config_yaml = file.string_attribute("config_yaml");
  for (const std::string& name : file.attribute_names()) {
    if (starts_with(name, kMetricPrefix)) {
      state.metrics[name.substr(kMetricPrefix.size())] = file.double_attribute(name);
    } else if (starts_with(name, kVocabPrefix)) {
      state.vocab_hashes[name.substr(kVocabPrefix.size())] = file.string_attribute(name);
    } else if (!CheckpointState::is_reserved_attribute(name)) {
      switch (file.attribute_kind(name)) {
        case Hdf5AttributeKind::kInteger: state.scalars[name] = file.int_attribute(name); break;
        case Hdf5AttributeKind::kFloat: state.scalars[name] = file.double_attribute(name); break;
        case Hdf5AttributeKind::kString: state.scalars[name] = file.string_attribute(name); break;
        case Hdf5AttributeKind::kOther: break;  // not ours: ignored
      }
    }
  }
  for (const std::string& name : split_lines(file.string_attribute("tensors"))) {
    S2S_CHECK(file.has_object(name),
              "checkpoint {} has no dataset /{} although its table of contents lists it: the file is damaged", path,
              name);
    const Hdf5ArrayInfo info = file.array_info(name);
    torch::Tensor t = torch::empty(info.shape, torch::TensorOptions().dtype(dtype_of(info.element)));
    file.read_array(name, info.element, t.data_ptr());
    state.tensors[name] = t;
  }
  for (int64_t r = 0; r < world_size; ++r) {
    for (const auto& field : kRankFields) {
      S2S_CHECK(file.has_object(rank_dataset(r, field)),
                "checkpoint {} has no dataset /{} (world_size is {}): the file is damaged", path,
                rank_dataset(r, field), world_size);
    }
    CheckpointState::Rank rank;
    const std::vector<uint8_t> cursor = read_bytes(file, rank_dataset(r, "cursor"));
    rank.cursor.assign(cursor.begin(), cursor.end());
    rank.cpu_rng_state = read_bytes(file, rank_dataset(r, "cpu_rng_state"));
    rank.cuda_rng_state = read_bytes(file, rank_dataset(r, "cuda_rng_state"));
    state.ranks.push_back(std::move(rank));
  }
  return state;
}

void CheckpointFile::verify(const std::string& path, const std::string& expected_sha256, int64_t expected_bytes) {
  open_verified(path, expected_sha256, expected_bytes);
}

}  // namespace s2s
