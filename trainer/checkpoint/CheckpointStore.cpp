#include "trainer/checkpoint/CheckpointStore.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/Check.h"
#include "core/Clock.h"
#include "core/Log.h"
#include "data/Sha256.h"
#include "trainer/checkpoint/CheckpointFile.h"
#include "trainer/checkpoint/DurableFile.h"
#include "trainer/metrics/ImprovementTracker.h"

namespace s2s {
namespace fs = std::filesystem;
namespace {

const Log log("ckpt");

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// "ckpt-00001200.h5" -> 1200; nullopt for any other name (temporaries included).
std::optional<int64_t> step_of(const std::string& file) {
  if (!starts_with(file, "ckpt-") || file.size() <= 8 || file.compare(file.size() - 3, 3, ".h5") != 0) {
    return std::nullopt;
  }
  const std::string digits = file.substr(5, file.size() - 8);
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(digits);
}

int64_t size_of(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? -1 : static_cast<int64_t>(size);
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

CheckpointStore::CheckpointStore(const std::string& run_dir, CheckpointOptions options,
                                 ValidMetric best_metric)
    : dir_((fs::path(run_dir) / "checkpoints").lexically_normal().string()),
      options_(std::move(options)),
      best_metric_(best_metric),
      best_key_(name_of(best_metric)) {}

std::string CheckpointStore::file_name(int64_t step) { return fmt::format("ckpt-{:08d}.h5", step); }
std::string CheckpointStore::manifest_path() const { return dir_ + "/manifest.json"; }
std::string CheckpointStore::latest_path() const { return dir_ + "/latest.json"; }

void CheckpointStore::fault(const std::string& point) const {
  if (fault_hook_) fault_hook_(point);
}

void CheckpointStore::remove_stale_temporaries() const {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (!DurableFile::is_temp_name(name)) continue;
    std::error_code remove_error;
    fs::remove(entry.path(), remove_error);
    if (remove_error) log.warn("cannot remove the stale temporary {}: {}", entry.path().string(), remove_error.message());
    else log.info("removed {}, left by an interrupted checkpoint write", entry.path().string());
  }
}

CheckpointManifest CheckpointStore::load_manifest_for_write() const {
  const std::optional<std::string> text = read_text(manifest_path());
  if (!text) return {};
  try {
    return CheckpointManifest::parse(*text, manifest_path());
  } catch (const Error& e) {
    // Older checkpoints stay on disk, unlisted: retention never deletes what it does not list.
    log.warn("{}; starting a new manifest (the checkpoints it listed stay on disk, unlisted)", e.what());
    return {};
  }
}

void CheckpointStore::write_manifest(const CheckpointManifest& manifest, const std::string& point) const {
  const std::string tmp = DurableFile::temp_name(manifest_path());
  DurableFile::write_synced(tmp, manifest.to_json());
  fault(point + "_written");
  DurableFile::rename_synced(tmp, manifest_path());
  fault(point + "_renamed");
}

std::string CheckpointStore::write(const CheckpointState& state) {
  const auto start = Clock::now();
  state.validate();
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) {
    fs::create_directories(dir_, ec);
    S2S_CHECK(!ec, "cannot create the checkpoint directory {}: {}", dir_, ec.message());
    DurableFile::sync_dir(fs::path(dir_).parent_path().string());
  }
  remove_stale_temporaries();

  const std::string file = file_name(state.step);
  const std::string path = dir_ + "/" + file;
  const std::string tmp = DurableFile::temp_name(path);
  CheckpointManifest::Entry entry;
  fault("begin");
  try {
    write_verified(tmp, state, [this](const std::string& point) { fault(point); });
    entry = {file, state.step, state.epoch, Sha256::of_file(tmp), size_of(tmp), state.metrics, utc_now()};
    fault("hashed");
  } catch (const Error& e) {
    fs::remove(tmp, ec);
    S2S_FAIL("could not write checkpoint {} ({}); the previous checkpoints are unchanged", path, e.what());
  }
  DurableFile::rename_synced(tmp, path);
  fault("renamed");

  CheckpointManifest manifest = load_manifest_for_write();
  manifest.put(entry);
  write_manifest(manifest, "manifest");

  // `latest` moves last: until here a resume starts from the previous checkpoint.
  const std::string latest_tmp = DurableFile::temp_name(latest_path());
  DurableFile::write_synced(latest_tmp, CheckpointManifest::latest_to_json(entry));
  fault("latest_written");
  DurableFile::rename_synced(latest_tmp, latest_path());
  fault("latest_renamed");

  apply_retention(manifest, file);
  const double seconds = seconds_since(start);
  log.info("checkpoint of step {} written: {} ({:.1f} MB, {:.1f} s)", state.step, path, entry.bytes / 1e6, seconds);
  return path;
}

void CheckpointStore::write_verified(const std::string& tmp, const CheckpointState& state, const FaultHook& fault) {
  CheckpointFile::write(tmp, state, fault);
  DurableFile::sync_file(tmp);
  fault("synced");
  // Read it back in full before it gets its final name: what we list must load.
  read_file(tmp);
  fault("verified");
}

void CheckpointStore::write_file(const std::string& path, const CheckpointState& state) {
  state.validate();
  const fs::path dir = fs::path(path).parent_path();
  std::error_code ec;
  S2S_CHECK(dir.empty() || fs::is_directory(dir, ec), "cannot write checkpoint {}: directory {} does not exist",
            path, dir.string());
  S2S_CHECK(!fs::is_directory(path, ec), "cannot write checkpoint {}: it is a directory; give a file name", path);
  const std::string tmp = DurableFile::temp_name(path);
  try {
    write_verified(tmp, state, [](const std::string&) {});
    DurableFile::rename_synced(tmp, path);
  } catch (const Error& e) {
    fs::remove(tmp, ec);
    S2S_FAIL("could not write checkpoint {} ({}); {} is as it was", path, e.what(), path);
  }
}

void CheckpointStore::apply_retention(CheckpointManifest& manifest, const std::string& keep_file) const {
  const std::vector<CheckpointManifest::Entry>& entries = manifest.entries();  // by step
  std::set<std::string> keep{keep_file};
  // What latest.json points to is never deleted, whatever it is.
  if (const auto text = read_text(latest_path())) {
    try {
      keep.insert(CheckpointManifest::parse_latest(*text, latest_path()).file);
    } catch (const Error&) {
    }
  }
  const size_t last = std::min(entries.size(), static_cast<size_t>(std::max(options_.keep_last, 0)));
  for (size_t i = entries.size() - last; i < entries.size(); ++i) keep.insert(entries[i].file);

  std::vector<const CheckpointManifest::Entry*> ranked;
  for (const auto& e : entries) {
    const auto it = e.metrics.find(best_key_);
    if (it != e.metrics.end() && std::isfinite(it->second)) ranked.push_back(&e);
  }
  // Best first (ImprovementTracker's direction); of equal values the newer one is kept.
  const ImprovementTracker order(best_metric_);
  std::stable_sort(ranked.begin(), ranked.end(), [&](const auto* a, const auto* b) {
    const double va = a->metrics.at(best_key_), vb = b->metrics.at(best_key_);
    return va != vb ? order.better(va, vb) : a->step > b->step;
  });
  for (size_t i = 0; i < ranked.size() && i < static_cast<size_t>(std::max(options_.keep_best, 0)); ++i) {
    keep.insert(ranked[i]->file);
  }

  std::vector<std::string> doomed;
  for (const auto& e : entries) {
    if (!keep.count(e.file)) doomed.push_back(e.file);
  }
  if (doomed.empty()) return;
  // Unlist first, delete second: a crash in between leaves unlisted files, never a listed
  // checkpoint that is gone.
  for (const auto& f : doomed) manifest.remove(f);
  write_manifest(manifest, "retention_manifest");
  for (const auto& f : doomed) {
    std::error_code ec;
    fs::remove(dir_ + "/" + f, ec);
    if (ec) log.warn("cannot remove old checkpoint {}/{}: {}", dir_, f, ec.message());
    fault("retention_removed");
  }
  DurableFile::sync_dir(dir_);
  log.debug("retention removed {}", fmt::join(doomed, ", "));
}

std::optional<CheckpointStore::Loaded> CheckpointStore::read_latest() const {
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return std::nullopt;
  std::vector<std::string> notes;  // problems with manifest.json / latest.json
  std::optional<CheckpointManifest> manifest;
  std::optional<CheckpointManifest::Entry> latest;
  const auto manifest_text = read_text(manifest_path());
  const auto latest_text = read_text(latest_path());
  if (manifest_text) {
    try {
      manifest = CheckpointManifest::parse(*manifest_text, manifest_path());
    } catch (const Error& e) {
      notes.push_back(e.what());
    }
  }
  if (latest_text) {
    try {
      latest = CheckpointManifest::parse_latest(*latest_text, latest_path());
    } catch (const Error& e) {
      notes.push_back(e.what());
    }
  } else if (manifest && !manifest->entries().empty()) {
    notes.push_back(latest_path() + " is missing");
  }

  // latest first (the commit point of write()), then the listed ones, newest first.
  std::vector<CheckpointManifest::Entry> candidates;
  if (latest) candidates.push_back(*latest);
  if (manifest) {
    const auto& entries = manifest->entries();
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      if (!latest || it->file != latest->file || it->sha256 != latest->sha256) candidates.push_back(*it);
    }
  }
  if (candidates.empty()) {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
      if (step_of(entry.path().filename().string())) files.push_back(entry.path().filename().string());
    }
    if (files.empty() && notes.empty()) return std::nullopt;
    S2S_FAIL("no usable checkpoint in {}: {}{}", dir_,
             notes.empty() ? "manifest.json and latest.json are missing" : fmt::format("{}", fmt::join(notes, "; ")),
             files.empty() ? "" : fmt::format(" (unlisted files: {}; load one explicitly)", fmt::join(files, ", ")));
  }

  std::vector<std::string> failures;
  for (const auto& c : candidates) {
    const std::string path = dir_ + "/" + c.file;
    try {
      Loaded loaded{path, read_file(path, c.sha256, c.bytes)};
      for (const auto& note : notes) log.warn("{}", note);
      for (const auto& failure : failures) {
        log.warn("{}; falling back to the previous good checkpoint {} (step {})", failure, path, c.step);
      }
      return loaded;
    } catch (const Error& e) {
      failures.push_back(e.what());
    }
  }
  failures.insert(failures.end(), notes.begin(), notes.end());
  S2S_FAIL("no usable checkpoint in {}: {}", dir_, fmt::join(failures, "; "));
}

CheckpointState CheckpointStore::read(const std::string& path) const {
  std::error_code ec;
  const bool here = fs::equivalent(fs::path(path).parent_path(), dir_, ec) && !ec;
  if (here) {
    if (const auto text = read_text(manifest_path())) {
      const CheckpointManifest manifest = CheckpointManifest::parse(*text, manifest_path());
      if (const auto* e = manifest.find(fs::path(path).filename().string())) return read_file(path, e->sha256, e->bytes);
    }
  }
  log.warn("checkpoint {} is not listed in {}: its checksum cannot be verified", path, manifest_path());
  return read_file(path);
}

CheckpointState CheckpointStore::read_path(const std::string& path) {
  const fs::path p(path);
  if (p.parent_path().filename() == "checkpoints") return CheckpointStore(p.parent_path().parent_path().string()).read(path);
  return read_file(path);
}

CheckpointState CheckpointStore::read_file(const std::string& path, const std::string& expected_sha256,
                                           int64_t expected_bytes) {
  return CheckpointFile::read(path, expected_sha256, expected_bytes);
}

std::vector<CheckpointStore::Info> CheckpointStore::list() const {
  std::vector<Info> out;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return out;
  CheckpointManifest manifest;
  std::string manifest_problem;
  if (const auto text = read_text(manifest_path())) {
    try {
      manifest = CheckpointManifest::parse(*text, manifest_path());
    } catch (const Error& e) {
      manifest_problem = e.what();
    }
  }
  std::string latest_file;
  if (const auto text = read_text(latest_path())) {
    try {
      latest_file = CheckpointManifest::parse_latest(*text, latest_path()).file;
    } catch (const Error&) {
    }
  }
  std::set<std::string> seen;
  for (const auto& e : manifest.entries()) {
    Info info{e.file, dir_ + "/" + e.file, e.step, e.epoch, e.metrics, std::max<int64_t>(size_of(dir_ + "/" + e.file), 0),
              e.written_at, true, e.file == latest_file, ""};
    try {
      CheckpointFile::verify(info.path, e.sha256, e.bytes);
    } catch (const Error& error) {
      info.problem = error.what();
    }
    seen.insert(e.file);
    out.push_back(std::move(info));
  }
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string file = entry.path().filename().string();
    const auto step = step_of(file);
    if (!step || seen.count(file)) continue;
    Info info{file, entry.path().string(), *step, 0, {}, std::max<int64_t>(size_of(entry.path().string()), 0), "",
              false, file == latest_file, ""};
    info.problem = manifest_problem.empty()
                       ? "not listed in manifest.json (left by an interrupted write?): its checksum is unknown"
                       : "not listed: " + manifest_problem;
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const Info& a, const Info& b) { return a.step != b.step ? a.step < b.step : a.file < b.file; });
  return out;
}

std::optional<CheckpointStore::Loaded> CheckpointStore::read_best() const {
  const ImprovementTracker order(best_metric_);
  const Info* best = nullptr;
  const auto infos = list();
  for (const auto& info : infos) {
    const auto it = info.metrics.find(best_key_);
    if (!info.valid() || it == info.metrics.end() || !std::isfinite(it->second)) continue;
    // Of equal values the newer one (infos are by step).
    if (!best || !order.better(best->metrics.at(best_key_), it->second)) best = &info;
  }
  if (!best) return std::nullopt;
  log.info("best checkpoint by validation {}: {} ({} = {:.4f})", best_key_, best->path,
           best_key_, best->metrics.at(best_key_));
  return Loaded{best->path, read(best->path)};
}

}  // namespace s2s
