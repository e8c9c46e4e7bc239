#pragma once
// Where `s2s prep` writes: a sibling "<out>.incomplete-<pid>" directory, renamed to <out>
// only when everything in it is complete. A failed or interrupted run therefore never
// leaves a directory named <out> that looks like a corpus; the staging directory of a
// failed run is removed (that of a killed run keeps its telling name).
#include <string>

namespace s2s {

class StagingDir {
 public:
  // Throws s2s::Error when `final_dir` exists and `force` is false, or when the staging
  // directory cannot be created.
  StagingDir(const std::string& final_dir, bool force);
  ~StagingDir();  // removes the staging directory unless commit() ran
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;

  const std::string& path() const { return staging_; }
  const std::string& final_path() const { return final_; }
  // Moves the staging directory to the final path (replacing it when `force` was given).
  void commit();

 private:
  std::string final_;
  std::string staging_;
  bool force_;
  bool committed_ = false;
};

}  // namespace s2s
