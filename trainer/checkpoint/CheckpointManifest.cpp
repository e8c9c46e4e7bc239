#include "trainer/checkpoint/CheckpointManifest.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/Check.h"

namespace s2s {
namespace {

using nlohmann::json;

const char* const kManifestFormat = "s2s-checkpoints";
const char* const kLatestFormat = "s2s-checkpoint-latest";

json entry_json(const CheckpointManifest::Entry& e) {
  json metrics = json::object();
  for (const auto& [name, value] : e.metrics) metrics[name] = std::isfinite(value) ? json(value) : json(nullptr);
  return json{{"file", e.file},       {"step", e.step},       {"epoch", e.epoch},          {"sha256", e.sha256},
              {"bytes", e.bytes},     {"metrics", metrics},   {"written_at", e.written_at}};
}

CheckpointManifest::Entry parse_entry(const json& j) {
  CheckpointManifest::Entry e;
  e.file = j.at("file").get<std::string>();
  e.step = j.at("step").get<int64_t>();
  e.epoch = j.at("epoch").get<int64_t>();
  e.sha256 = j.at("sha256").get<std::string>();
  e.bytes = j.at("bytes").get<int64_t>();
  for (const auto& [name, value] : j.at("metrics").items()) {
    e.metrics[name] = value.is_null() ? std::numeric_limits<double>::quiet_NaN() : value.get<double>();
  }
  e.written_at = j.value("written_at", "");
  // Names come from our own writer; anything with a path in it is not ours to open.
  S2S_CHECK(!e.file.empty() && e.file.find('/') == std::string::npos, "entry names the file '{}'", e.file);
  return e;
}

// Parses `text` as JSON of format `format`, checking the version; errors name `path`.
json parse_versioned(const std::string& text, const std::string& path, const char* format, int version) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    S2S_FAIL("{} is not valid JSON ({}): it was damaged; delete it to start from the checkpoint files' names", path,
             e.what());
  }
  S2S_CHECK(j.is_object() && j.value("format", "") == format, "{} is not an s2s {} file (no \"format\": \"{}\")",
            path, format, format);
  const int found = j.value("format_version", 0);
  S2S_CHECK(found >= 1 && found <= version,
            "{} has format_version {}, this s2s reads version {}: it was written by a newer s2s; use that one", path,
            found, version);
  return j;
}

}  // namespace

const CheckpointManifest::Entry* CheckpointManifest::find(const std::string& file) const {
  const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.file == file; });
  return it == entries_.end() ? nullptr : &*it;
}

void CheckpointManifest::put(Entry entry) {
  remove(entry.file);
  entries_.push_back(std::move(entry));
  std::sort(entries_.begin(), entries_.end(),
            [](const Entry& a, const Entry& b) { return a.step != b.step ? a.step < b.step : a.file < b.file; });
}

void CheckpointManifest::remove(const std::string& file) {
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.file == file; }),
                 entries_.end());
}

std::string CheckpointManifest::to_json() const {
  json list = json::array();
  for (const Entry& e : entries_) list.push_back(entry_json(e));
  const json j{{"format", kManifestFormat}, {"format_version", kFormatVersion}, {"checkpoints", list}};
  return j.dump(1) + "\n";
}

CheckpointManifest CheckpointManifest::parse(const std::string& text, const std::string& path) {
  const json j = parse_versioned(text, path, kManifestFormat, kFormatVersion);
  CheckpointManifest manifest;
  try {
    for (const json& e : j.at("checkpoints")) manifest.put(parse_entry(e));
  } catch (const json::exception& e) {
    S2S_FAIL("{} is damaged ({}): delete it to start a new list", path, e.what());
  } catch (const Error& e) {
    S2S_FAIL("{} is damaged: {}", path, e.what());
  }
  return manifest;
}

std::string CheckpointManifest::latest_to_json(const Entry& entry) {
  json j = entry_json(entry);
  j["format"] = kLatestFormat;
  j["format_version"] = kFormatVersion;
  return j.dump(1) + "\n";
}

CheckpointManifest::Entry CheckpointManifest::parse_latest(const std::string& text, const std::string& path) {
  const json j = parse_versioned(text, path, kLatestFormat, kFormatVersion);
  try {
    return parse_entry(j);
  } catch (const json::exception& e) {
    S2S_FAIL("{} is damaged ({})", path, e.what());
  } catch (const Error& e) {
    S2S_FAIL("{} is damaged: {}", path, e.what());
  }
}

}  // namespace s2s
