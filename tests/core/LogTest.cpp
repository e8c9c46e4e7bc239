// Specification of logging: lines tagged by component; rank 0 logs at its level, other ranks
// only warnings and errors, prefixed with their rank.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "core/Error.h"
#include "core/Log.h"

namespace s2s {
namespace {

std::string captured(LogLevel level, int rank, void (*emit)(const Log&)) {
  Log::configure(level, rank);
  ::testing::internal::CaptureStderr();
  emit(Log("data"));
  std::string out = ::testing::internal::GetCapturedStderr();
  Log::configure(LogLevel::kInfo, 0);
  return out;
}

TEST(Log, LinesAreTaggedWithTheirComponent) {
  const std::string out = captured(LogLevel::kInfo, 0, [](const Log& l) { l.info("{} shards", 4); });
  EXPECT_NE(out.find("[data] 4 shards"), std::string::npos) << out;
}

TEST(Log, LevelThresholdFilters) {
  const std::string out = captured(LogLevel::kWarn, 0, [](const Log& l) {
    l.info("hidden");
    l.warn("shown");
  });
  EXPECT_EQ(out.find("hidden"), std::string::npos) << out;
  EXPECT_NE(out.find("shown"), std::string::npos) << out;
}

TEST(Log, OtherRanksOnlyWarnAndSayWhoTheyAre) {
  const std::string out = captured(LogLevel::kDebug, 3, [](const Log& l) {
    l.info("progress");
    l.warn("slow shard");
  });
  EXPECT_EQ(out.find("progress"), std::string::npos) << out;
  EXPECT_NE(out.find("[rank 3] [data] slow shard"), std::string::npos) << out;
}

TEST(Log, ParseLevelRefusesUnknownNames) {
  EXPECT_EQ(Log::parse_level("warn"), LogLevel::kWarn);
  EXPECT_THROW(Log::parse_level("verbose"), Error);
}

}  // namespace
}  // namespace s2s

namespace s2s {
namespace {

TEST(Log, AddFileAlsoWritesLinesToTheFile) {
  const std::string path = ::testing::TempDir() + "s2s_log_test.log";
  std::remove(path.c_str());
  Log::add_file(path);
  ::testing::internal::CaptureStderr();
  Log("ckpt").info("wrote step {}", 100);
  ::testing::internal::GetCapturedStderr();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("[ckpt] wrote step 100"), std::string::npos) << text.str();
}

TEST(Log, AddFileRefusesAnUnwritablePath) {
  EXPECT_THROW(Log::add_file("/etc/hostname/y.log"), Error);  // parent is a file
}

}  // namespace
}  // namespace s2s
