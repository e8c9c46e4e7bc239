#include "trainer/checkpoint/CheckpointState.h"

#include <algorithm>
#include <array>

#include "core/Check.h"

namespace s2s {
namespace {

std::string where(const std::string& source) { return source.empty() ? "checkpoint state" : "checkpoint " + source; }

// Scalar, metric and vocabulary names become attribute names (`metric.<name>`): keep them
// to identifier characters so that the prefixes stay unambiguous.
bool is_identifier(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool is_supported(torch::Dtype dtype) {
  static const std::array<torch::Dtype, 7> supported = {torch::kFloat32, torch::kFloat64, torch::kUInt8,
                                                        torch::kInt8,    torch::kInt16,   torch::kInt32,
                                                        torch::kInt64};
  return std::find(supported.begin(), supported.end(), dtype) != supported.end();
}

template <class T>
const T& scalar_as(const CheckpointState& state, const std::string& name, const char* type) {
  const auto it = state.scalars.find(name);
  S2S_CHECK(it != state.scalars.end(), "{} has no attribute '{}': it was written by an incompatible s2s",
            where(state.source), name);
  const T* value = std::get_if<T>(&it->second);
  S2S_CHECK(value, "{}: attribute '{}' is not {}: it was written by an incompatible s2s", where(state.source),
            name, type);
  return *value;
}

}  // namespace

const torch::Tensor& CheckpointState::tensor(const std::string& name) const {
  const auto it = tensors.find(name);
  S2S_CHECK(it != tensors.end(), "{} has no tensor '{}': it was written for another model or by an incompatible s2s",
            where(source), name);
  return it->second;
}

int64_t CheckpointState::int_scalar(const std::string& name) const {
  return scalar_as<int64_t>(*this, name, "an integer");
}
double CheckpointState::double_scalar(const std::string& name) const {
  return scalar_as<double>(*this, name, "a float");
}
const std::string& CheckpointState::string_scalar(const std::string& name) const {
  return scalar_as<std::string>(*this, name, "a string");
}

bool CheckpointState::is_reserved_attribute(const std::string& name) {
  static const std::array<const char*, 7> reserved = {"format", "format_version", "step",   "epoch",
                                                      "world_size", "config_yaml", "tensors"};
  return std::any_of(reserved.begin(), reserved.end(), [&](const char* r) { return name == r; });
}

void CheckpointState::validate() const {
  S2S_CHECK(step >= 0, "checkpoint step {} is negative", step);
  S2S_CHECK(!ranks.empty(), "checkpoint of step {} has no ranks: every rank must contribute its cursor", step);
  for (const auto& [name, value] : scalars) {
    S2S_CHECK(is_identifier(name) && !is_reserved_attribute(name),
              "checkpoint scalar name '{}' is empty, reserved or not made of [A-Za-z0-9_]", name);
  }
  for (const auto& [name, value] : metrics) {
    S2S_CHECK(is_identifier(name), "checkpoint metric name '{}' is empty or not made of [A-Za-z0-9_]", name);
  }
  for (const auto& [name, value] : vocab_hashes) {
    S2S_CHECK(is_identifier(name), "checkpoint vocabulary name '{}' is empty or not made of [A-Za-z0-9_]", name);
  }
  for (const auto& [name, tensor] : tensors) {
    S2S_CHECK(!name.empty() && name.front() != '/' && name.back() != '/' && name.find("//") == std::string::npos &&
                  name.find('\n') == std::string::npos,
              "checkpoint tensor name '{}' is not a path like model/encoder.embedding.weight", name);
    S2S_CHECK(name.rfind("rank/", 0) != 0, "checkpoint tensor name '{}' is under the reserved group rank/", name);
    S2S_CHECK(name.find("/./") == std::string::npos && name.rfind("./", 0) != 0 &&
                  (name.size() < 2 || name.compare(name.size() - 2, 2, "/.") != 0),
              "checkpoint tensor name '{}' has a '.' path component", name);
    S2S_CHECK(tensor.defined(), "checkpoint tensor '{}' is undefined", name);
    S2S_CHECK(is_supported(tensor.scalar_type()),
              "checkpoint tensor '{}' has dtype {}, which checkpoints do not store (float32/64, int8/16/32/64, "
              "uint8): convert it first",
              name, std::string(c10::toString(tensor.scalar_type())));
  }
  // A tensor whose path is a parent of another's would need to be both a dataset and a group.
  for (const auto& [name, tensor] : tensors) {
    for (size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
      S2S_CHECK(tensors.count(name.substr(0, slash)) == 0,
                "checkpoint tensor '{}' is inside tensor '{}': a path cannot be both", name, name.substr(0, slash));
    }
  }
}

}  // namespace s2s
