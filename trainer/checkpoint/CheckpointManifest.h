#pragma once
// The two small JSON files beside the checkpoints: manifest.json, the list of complete
// checkpoints with their checksums (what makes a damaged file detectable), and latest.json,
// the pointer to the checkpoint a resume starts from. Both are human-readable and are
// replaced atomically by CheckpointStore; the format is in trainer/checkpoint/CHECKPOINT.md.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace s2s {

class CheckpointManifest {
 public:
  static constexpr int kFormatVersion = 1;

  struct Entry {
    std::string file;                       // name inside checkpoints/, e.g. ckpt-00001200.h5
    int64_t step = 0;
    int64_t epoch = 0;
    std::string sha256;                     // of the whole file (`sha256sum` checks it)
    int64_t bytes = 0;                      // file size
    std::map<std::string, double> metrics;  // validation metrics at `step` (NaN: null in JSON)
    std::string written_at;                 // UTC, ISO 8601
  };

  const std::vector<Entry>& entries() const { return entries_; }  // by step, then file
  const Entry* find(const std::string& file) const;
  void put(Entry entry);  // adds, or replaces the entry with the same file
  void remove(const std::string& file);

  std::string to_json() const;
  // Parses manifest.json's text; throws s2s::Error naming `path` when it is not one or has
  // a newer format version.
  static CheckpointManifest parse(const std::string& text, const std::string& path);

  // latest.json: the entry of the checkpoint it points to.
  static std::string latest_to_json(const Entry& entry);
  static Entry parse_latest(const std::string& text, const std::string& path);

 private:
  std::vector<Entry> entries_;
};

}  // namespace s2s
