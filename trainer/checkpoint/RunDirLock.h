#pragma once
// One training per run directory. Two `s2s train` writing the same run directory (a job
// requeued while its first run still lives, a launch script run twice) would interleave
// their checkpoints and logs. Rank 0 holds an exclusive flock(2) on RUN_DIR/.lock for the
// whole run; a second run is refused with a one-line error naming the holder. The kernel
// drops the lock when the process ends, however it ends, so a crash never leaves the
// directory locked (the file itself stays; deleting it would race with a new holder).
#include <string>

namespace s2s {

class RunDirLock {
 public:
  // Creates `run_dir` if needed and takes the lock, or throws s2s::Error naming the run
  // that holds it.
  explicit RunDirLock(const std::string& run_dir);
  ~RunDirLock();
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace s2s
