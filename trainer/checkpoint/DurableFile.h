#pragma once
// The POSIX steps that make a file survive a crash or power loss: data reaches the disk
// only after fsync of the file, and a new name (create, rename, unlink) only after fsync of
// its directory. CheckpointStore composes them into its write protocol.
#include <string>

namespace s2s {

class DurableFile {
 public:
  // fsync of a file's data and metadata; throws s2s::Error naming it.
  static void sync_file(const std::string& path);
  // fsync of a directory, so that names created, renamed or removed in it persist.
  static void sync_dir(const std::string& dir);
  // Writes `text` to `path` (truncating) and syncs it; throws naming the file (disk full?).
  static void write_synced(const std::string& path, const std::string& text);
  // Replaces `path` by a file holding `text`, complete or not at all: written and synced
  // under temp_name(path), then rename_synced. On failure the temporary is removed, `path`
  // is as it was, and an s2s::Error names the file.
  static void write_atomically(const std::string& path, const std::string& text);
  // rename(2) within one directory (atomic: a reader sees the old or the new file, never a
  // mix), then syncs that directory.
  static void rename_synced(const std::string& from, const std::string& to);
  // Unique temporary name for `path` in its directory: "<path>.tmp-<pid>".
  static std::string temp_name(const std::string& path);
  static bool is_temp_name(const std::string& file_name);
};

}  // namespace s2s
