#pragma once
// One training per run directory. Two `s2s train` writing the same run directory (a job
// requeued while its first run still lives, a launch script run twice) would interleave
// their checkpoints and logs. Rank 0 holds an exclusive flock(2) on RUN_DIR/.lock for the
// whole run; a second run is refused with a one-line error naming the holder. The kernel
// drops the lock when the process ends, however it ends, so a crash never leaves the
// directory locked (the file itself stays; deleting it would race with a new holder).
//
// Where flock(2) does not work (Lustre mounted without flock, some NFS set-ups: ENOLCK,
// EOPNOTSUPP, ENOSYS, EINVAL), the lock is the existence of RUN_DIR/.lock.owner instead,
// created with O_EXCL (atomic on NFSv3+ and Lustre) and holding "pid P on HOST"; it is
// removed when the run ends. A crash leaves it behind: one left by a process of this host
// that no longer exists is taken over (it is stale); one of another host cannot be checked
// from here, so the run is refused with a line that says to delete the file once that run
// has ended. Never are two trainings silently let into one directory.
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

  const std::string& path() const { return path_; }   // RUN_DIR/.lock
  // RUN_DIR/.lock.owner when flock(2) failed and the lock is that file; empty otherwise.
  const std::string& owner_file() const { return owner_file_; }

 private:
  void lock_by_owner_file(const std::string& run_dir, int flock_error);
  bool create_owner_file();  // O_EXCL; false when it exists

  std::string path_;
  std::string owner_file_;
  int fd_ = -1;
};

}  // namespace s2s
