#pragma once
// The checkpoints of one run: RUN_DIR/checkpoints/ckpt-<step>.h5 (HDF5, one dataset per
// tensor), manifest.json (every complete checkpoint with its SHA-256) and latest.json (the
// one to resume from). The layout and the write protocol are specified in
// trainer/checkpoint/CHECKPOINT.md.
//
// Crash safety: write() builds the file under a temporary name, syncs it, checks it reads
// back, renames it into place, and only then lists it in the manifest and moves `latest` to
// it (each JSON file replaced atomically). Killed at any point, the previous checkpoint stays
// loadable and `latest` names a complete file; the next write() removes stale temporaries.
//
// Only rank 0 writes; any rank may read.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "trainer/checkpoint/CheckpointFile.h"
#include "trainer/checkpoint/CheckpointManifest.h"
#include "trainer/checkpoint/CheckpointOptions.h"
#include "trainer/checkpoint/CheckpointState.h"
#include "trainer/metrics/ValidMetric.h"

namespace s2s {

class CheckpointStore {
 public:
  static constexpr int kFormatVersion = CheckpointFile::kFormatVersion;  // of the files (CheckpointFile)

  // One checkpoint as `s2s inspect` shows it.
  struct Info {
    std::string file;                       // e.g. ckpt-00001200.h5
    std::string path;                       // RUN_DIR/checkpoints/<file>
    int64_t step = 0;
    int64_t epoch = 0;                      // from the manifest (0 when not listed)
    std::map<std::string, double> metrics;  // from the manifest
    int64_t bytes = 0;                      // actual size on disk (0 when missing)
    std::string written_at;
    bool listed = false;                    // in manifest.json
    bool latest = false;                    // latest.json points to it
    std::string problem;                    // why it is not loadable; empty: valid
    bool valid() const { return problem.empty(); }
  };

  struct Loaded {
    std::string path;
    CheckpointState state;
  };

  // Called at each point of write()'s protocol with the point's name (tests kill the
  // process there to prove that no point leaves the run without a loadable checkpoint).
  using FaultHook = std::function<void(const std::string& point)>;

  // `best_metric` (train.valid_metric) ranks checkpoints for keep_best and read_best(), in
  // the direction it improves (higher_is_better()).
  explicit CheckpointStore(const std::string& run_dir, CheckpointOptions options = {},
                           ValidMetric best_metric = ValidMetric::loss);

  const std::string& dir() const { return dir_; }  // RUN_DIR/checkpoints
  static std::string file_name(int64_t step);      // ckpt-00001200.h5

  // Writes `state` as the checkpoint of state.step (replacing one of the same step), moves
  // `latest` to it and applies retention. Returns its path. Throws s2s::Error (and leaves
  // the previous checkpoints as they were) when it cannot.
  std::string write(const CheckpointState& state);

  // The checkpoint `latest` points to, verified (size, SHA-256, format version, every
  // dataset). When it is unusable, the newest usable one listed in the manifest, with a
  // warning that names what was wrong with each newer one. nullopt when the run has no
  // checkpoint at all; throws s2s::Error naming the files when none is usable.
  std::optional<Loaded> read_latest() const;

  // The valid listed checkpoint with the best `best_metric` (of equal values the newest),
  // read and verified; nullopt when no valid checkpoint records that metric.
  std::optional<Loaded> read_best() const;

  // One checkpoint file, verified against the manifest when listed there (a file that is
  // not, e.g. copied from elsewhere, is read with a warning that its checksum is unknown).
  CheckpointState read(const std::string& path) const;

  // A checkpoint file anywhere: one inside RUN_DIR/checkpoints/ is verified against that
  // run's manifest (read()), any other on its own (read_file()).
  static CheckpointState read_path(const std::string& path);

  // Writes `state` as the one file `path`, outside any run directory's protocol (no
  // manifest, no `latest`, no retention; e.g. an averaged checkpoint): under a temporary
  // name in the same directory, synced, read back in full, then renamed into place
  // (replacing a file of that name) and the directory synced. Throws s2s::Error naming the
  // file, with `path` as it was and no temporary left, when it cannot.
  static void write_file(const std::string& path, const CheckpointState& state);

  // Reads and verifies a checkpoint file: size and SHA-256 when given (expected_bytes < 0
  // and an empty expected_sha256 skip them), then the format version and every dataset its
  // table of contents lists. Throws a one-line s2s::Error naming the file.
  static CheckpointState read_file(const std::string& path, const std::string& expected_sha256 = "",
                                   int64_t expected_bytes = -1);

  // Every checkpoint in the directory (listed or not), by step, each checked for size,
  // checksum and format version (not read in full).
  std::vector<Info> list() const;

  void set_fault_hook(FaultHook hook) { fault_hook_ = std::move(hook); }

 private:
  std::string manifest_path() const;
  std::string latest_path() const;
  void fault(const std::string& point) const;
  // Writes `state` to the temporary `tmp`, syncs it and reads it back in full.
  static void write_verified(const std::string& tmp, const CheckpointState& state, const FaultHook& fault);
  void remove_stale_temporaries() const;
  CheckpointManifest load_manifest_for_write() const;
  void write_manifest(const CheckpointManifest& manifest, const std::string& point) const;
  void apply_retention(CheckpointManifest& manifest, const std::string& keep_file) const;

  std::string dir_;
  CheckpointOptions options_;
  ValidMetric best_metric_;
  std::string best_key_;  // its name among a checkpoint's metrics
  FaultHook fault_hook_;
};

}  // namespace s2s
