#include "data/ReaderCursor.h"

#include <fmt/format.h>

#include <cinttypes>
#include <cstdio>

#include "core/Check.h"

namespace s2s {

std::string ReaderCursor::to_string() const {
  return fmt::format("s2s-cursor/{} epoch={} position={} seed={} groups={} plan={:016x}", kFormatVersion, epoch,
                     position, seed, groups, plan_fingerprint);
}

ReaderCursor ReaderCursor::from_string(const std::string& text) {
  int version = 0;
  S2S_CHECK(std::sscanf(text.c_str(), "s2s-cursor/%d", &version) == 1, "'{}' is not a data reader cursor", text);
  S2S_CHECK(version == 1 || version == kFormatVersion,
            "data reader cursor '{}' has version {}, this s2s reads versions 1 and {}", text, version,
            kFormatVersion);
  long long epoch = 0;
  long long position = 0;
  unsigned long long seed = 0;
  long long groups = 0;
  unsigned long long plan = 0;
  int consumed = 0;
  const bool parsed =
      version == 1
          ? std::sscanf(text.c_str(), "s2s-cursor/1 epoch=%lld position=%lld seed=%llu plan=%llx%n", &epoch,
                        &position, &seed, &plan, &consumed) == 4
          : std::sscanf(text.c_str(), "s2s-cursor/2 epoch=%lld position=%lld seed=%llu groups=%lld plan=%llx%n",
                        &epoch, &position, &seed, &groups, &plan, &consumed) == 5 &&
                groups >= 1;
  S2S_CHECK(parsed && static_cast<size_t>(consumed) == text.size() && epoch >= 1 && position >= 0,
            "data reader cursor '{}' is malformed", text);
  ReaderCursor c;
  c.epoch = epoch;
  c.position = position;
  c.seed = seed;
  c.groups = groups;
  c.plan_fingerprint = plan;
  return c;
}

}  // namespace s2s
