#pragma once
// One checkpoint file's HDF5 layout (trainer/checkpoint/CHECKPOINT.md, "The file"): root
// attributes (format, version, step, metrics, vocabulary hashes, training-state scalars),
// one dataset per tensor, and each rank's cursor and RNG states under rank/<r>/. It writes
// and reads exactly one file; where files live, their names, the manifest, atomic renames
// and retention are CheckpointStore's.
#include <cstdint>
#include <functional>
#include <string>

#include "trainer/checkpoint/CheckpointState.h"

namespace s2s {

class CheckpointFile {
 public:
  // Attribute format_version: the newest this s2s reads (a newer one is refused). A file is
  // written with the lowest version that describes it: 2 when it holds EMA weights (`ema/`),
  // else 1, so that an older s2s still reads every file it can decode as intended.
  static constexpr int kFormatVersion = 2;
  static int64_t version_of(const CheckpointState& state);

  // Called at each point of write() with the point's name (tests kill the process there).
  using FaultHook = std::function<void(const std::string& point)>;

  // Writes `state` (already validated) to `path`, which must not exist.
  static void write(const std::string& path, const CheckpointState& state, const FaultHook& fault);

  // Reads and verifies `path`: size and SHA-256 against what a manifest records (when given),
  // format and version, then every attribute and dataset. Throws s2s::Error naming the file
  // and what is wrong with it.
  static CheckpointState read(const std::string& path, const std::string& expected_sha256 = "",
                              int64_t expected_bytes = -1);

  // The cheap part of read(): size, SHA-256, format and version, without reading tensors.
  static void verify(const std::string& path, const std::string& expected_sha256, int64_t expected_bytes);
};

}  // namespace s2s
