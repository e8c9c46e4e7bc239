#include "trainer/checkpoint/CheckpointAverage.h"

#include <fmt/ranges.h>

#include <filesystem>
#include <set>

#include "core/Check.h"
#include "core/Log.h"
#include "data/Sha256.h"
#include "trainer/checkpoint/CheckpointCodec.h"
#include "trainer/checkpoint/CheckpointStore.h"

namespace s2s {
namespace {

namespace fs = std::filesystem;
const Log log("average");
std::string shape_text(const torch::Tensor& t) { return fmt::format("[{}]", fmt::join(t.sizes(), ", ")); }

// The first source, which every other one must match.
struct Reference {
  std::string path;
  std::map<std::string, torch::Tensor> tensors;  // model/* of the first source (for names, shapes, dtypes)
  std::map<std::string, std::string> vocab_hashes;
};

void check_same_model(const Reference& first, const std::map<std::string, torch::Tensor>& tensors,
                      const std::string& path) {
  for (const auto& [name, tensor] : first.tensors) {
    const auto it = tensors.find(name);
    S2S_CHECK(it != tensors.end(), "cannot average {} and {}: {} has tensor {}, {} has not (checkpoints of "
              "different model shapes)", first.path, path, first.path, name, path);
    S2S_CHECK(it->second.sizes() == tensor.sizes(), "cannot average {} and {}: tensor {} has shape {} in the first "
              "and {} in the second (checkpoints of different model shapes)", first.path, path, name,
              shape_text(tensor), shape_text(it->second));
    S2S_CHECK(it->second.scalar_type() == tensor.scalar_type(), "cannot average {} and {}: tensor {} is {} in the "
              "first and {} in the second", first.path, path, name, c10::toString(tensor.scalar_type()),
              c10::toString(it->second.scalar_type()));
  }
  for (const auto& [name, tensor] : tensors)
    S2S_CHECK(first.tensors.count(name), "cannot average {} and {}: {} has tensor {}, {} "
              "has not (checkpoints of different model shapes)", first.path, path, path, name, first.path);
}

void check_same_vocabularies(const Reference& first, const CheckpointState& state, const std::string& path) {
  std::set<std::string> sides;
  for (const auto& [side, hash] : first.vocab_hashes) sides.insert(side);
  for (const auto& [side, hash] : state.vocab_hashes) sides.insert(side);
  for (const std::string& side : sides) {
    const auto a = first.vocab_hashes.find(side), b = state.vocab_hashes.find(side);
    const std::string ha = a == first.vocab_hashes.end() ? "none recorded" : a->second.substr(0, 12);
    const std::string hb = b == state.vocab_hashes.end() ? "none recorded" : b->second.substr(0, 12);
    S2S_CHECK(ha == hb, "cannot average {} and {}: their {} vocabularies differ (vocab_hash.{} {} vs {}): average "
              "checkpoints of one corpus", first.path, path, side, side, ha, hb);
  }
}

// Indices of the record's attributes: averaged_<i>_file, ...
std::string record_name(size_t i, const char* field) { return fmt::format("averaged_{}_{}", i, field); }

}  // namespace

std::vector<std::string> CheckpointAverage::last(const std::string& run_dir, int64_t n) {
  S2S_CHECK(n >= 1, "the number of checkpoints to average must be at least 1, got {}", n);
  std::error_code ec;
  S2S_CHECK(fs::is_directory(fs::path(run_dir) / "checkpoints", ec),
            "{} is not a run directory (it has no checkpoints/): give the run directory of s2s train, or "
            "checkpoint files", run_dir);
  std::vector<CheckpointStore::Info> valid;
  size_t unusable = 0;
  for (auto& info : CheckpointStore(run_dir).list()) {
    if (info.valid()) valid.push_back(std::move(info));
    else ++unusable;
  }
  std::vector<int64_t> steps;
  for (const auto& info : valid) steps.push_back(info.step);
  S2S_CHECK(static_cast<int64_t>(valid.size()) >= n,
            "cannot average the last {} checkpoints of {}: it has {} valid one{}{}{}", n, run_dir, valid.size(),
            valid.size() == 1 ? "" : "s", steps.empty() ? "" : fmt::format(" (steps {})", fmt::join(steps, ", ")),
            unusable ? fmt::format(" and {} unusable (s2s inspect {} says why)", unusable, run_dir) : "");
  std::vector<std::string> paths;
  for (size_t i = valid.size() - static_cast<size_t>(n); i < valid.size(); ++i) paths.push_back(valid[i].path);
  return paths;
}

CheckpointState CheckpointAverage::of(const std::vector<std::string>& paths, bool raw_weights) {
  S2S_CHECK(!paths.empty(), "nothing to average: give at least one checkpoint");
  std::set<std::string> seen;
  for (const std::string& path : paths) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(path, ec);
    S2S_CHECK(seen.insert(ec ? path : canonical.string()).second,
              "checkpoint {} is listed twice: average distinct checkpoints", path);
  }

  Reference first;
  std::map<std::string, torch::Tensor> sums;  // model/*: float64 sums (other dtypes: the first value)
  CheckpointState out;
  out.step = -1;
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::string& path = paths[i];
    CheckpointState state = CheckpointStore::read_path(path);  // verified: a missing or damaged file stops here
    // The weights it decodes with (EMA ones when it has them); optimizer state does not average.
    const ModelWeights which = CheckpointCodec::decoding_weights(state, raw_weights);
    const std::map<std::string, torch::Tensor> weights = CheckpointCodec::model_tensors(state, which);
    if (i == 0) {
      first.path = path;
      first.vocab_hashes = state.vocab_hashes;
      first.tensors = weights;
      S2S_CHECK(!first.tensors.empty(), "checkpoint {} holds no model tensors: nothing to average", path);
    } else {
      check_same_vocabularies(first, state, path);
      check_same_model(first, weights, path);
    }
    for (const auto& [name, tensor] : weights) {
      if (!tensor.is_floating_point()) {
        S2S_CHECK(i == 0 || torch::equal(sums.at(name), tensor), "cannot average {} and {}: integer tensor {} "
                  "differs between them", first.path, path, name);
        if (i == 0) sums.emplace(name, tensor);
        continue;
      }
      const torch::Tensor value = tensor.to(torch::kDouble);
      if (i == 0) sums.emplace(name, value.clone());
      else sums.at(name).add_(value);
    }
    // The newest source (of equal steps the later one) lends its step, epoch and config.
    if (state.step >= out.step) {
      out.step = state.step;
      out.epoch = state.epoch;
      out.config_yaml = state.config_yaml;
    }
    out.scalars[record_name(i, "file")] = fs::absolute(path).lexically_normal().string();
    out.scalars[record_name(i, "step")] = state.step;
    out.scalars[record_name(i, "weights")] = std::string(name_of(which));
    out.scalars[record_name(i, "sha256")] = Sha256::of_file(path);
  }

  const auto n = static_cast<double>(paths.size());
  for (auto& [name, sum] : sums) {
    const torch::ScalarType dtype = first.tensors.at(name).scalar_type();
    out.tensors[name] = sum.is_floating_point() ? (sum / n).to(dtype) : sum;
  }
  out.vocab_hashes = first.vocab_hashes;
  out.scalars[kCountAttribute] = static_cast<int64_t>(paths.size());
  out.ranks.resize(1);  // no data position, no RNG state: nothing to resume
  std::vector<int64_t> steps;
  for (size_t i = 0; i < paths.size(); ++i) steps.push_back(std::get<int64_t>(out.scalars.at(record_name(i, "step"))));
  log.info("averaged {} checkpoint{} (steps {})", paths.size(), paths.size() == 1 ? "" : "s", fmt::join(steps, ", "));
  return out;
}

bool CheckpointAverage::is_average(const CheckpointState& state) { return state.scalars.count(kCountAttribute) > 0; }

}  // namespace s2s
