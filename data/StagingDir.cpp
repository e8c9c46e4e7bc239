#include "data/StagingDir.h"

#include <unistd.h>

#include <filesystem>

#include "core/Check.h"
#include "core/Log.h"

namespace s2s {
namespace fs = std::filesystem;
namespace {
const Log log("prep");
}

StagingDir::StagingDir(const std::string& final_dir, bool force) : force_(force) {
  S2S_CHECK(!final_dir.empty(), "no output directory given");
  fs::path final_path = fs::path(final_dir).lexically_normal();
  if (final_path.filename().empty()) final_path = final_path.parent_path();  // "out/" -> "out"
  final_ = final_path.string();
  std::error_code ec;
  if (fs::exists(final_path, ec)) {
    S2S_CHECK(force, "output directory {} already exists: choose another one, or pass --force to replace it",
              final_);
    S2S_CHECK(fs::is_directory(final_path, ec), "{} exists and is not a directory: choose another output path",
              final_);
  }
  const fs::path parent = final_path.has_parent_path() ? final_path.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  S2S_CHECK(!ec, "cannot create {}: {}", parent.string(), ec.message());
  staging_ = final_ + ".incomplete-" + std::to_string(::getpid());
  fs::remove_all(staging_, ec);  // a leftover from a killed run with the same pid
  fs::create_directory(staging_, ec);
  S2S_CHECK(!ec, "cannot create {}: {}", staging_, ec.message());
}

StagingDir::~StagingDir() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);
  if (ec) log.warn("could not remove the incomplete output {}: {}", staging_, ec.message());
}

void StagingDir::commit() {
  S2S_ASSERT(!committed_);
  std::error_code ec;
  std::string old;
  if (fs::exists(final_, ec)) {
    S2S_CHECK(force_, "output directory {} appeared while s2s prep ran: it was not replaced (use --force)", final_);
    old = final_ + ".old-" + std::to_string(::getpid());
    fs::rename(final_, old, ec);
    S2S_CHECK(!ec, "cannot move the old {} aside: {}", final_, ec.message());
  }
  fs::rename(staging_, final_, ec);
  S2S_CHECK(!ec, "cannot rename {} to {}: {}", staging_, final_, ec.message());
  committed_ = true;
  if (!old.empty()) {
    fs::remove_all(old, ec);
    if (ec) log.warn("replaced {}, but could not delete its old copy {}: {}", final_, old, ec.message());
  }
}

}  // namespace s2s
