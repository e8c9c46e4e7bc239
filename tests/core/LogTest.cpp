// Specification of logging: lines tagged by component; rank 0 logs at its level, other ranks
// only warnings and errors, prefixed with their rank.
#include <gtest/gtest.h>

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
