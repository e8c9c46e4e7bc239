#include "data/ReaderCursor.h"

#include <fmt/format.h>

#include <cinttypes>
#include <cstdio>

#include "core/Check.h"

namespace s2s {

std::string ReaderCursor::to_string() const {
  return fmt::format("s2s-cursor/{} epoch={} position={} seed={} plan={:016x}", kFormatVersion, epoch, position,
                     seed, plan_fingerprint);
}

ReaderCursor ReaderCursor::from_string(const std::string& text) {
  int version = 0;
  long long epoch = 0;
  long long position = 0;
  unsigned long long seed = 0;
  unsigned long long plan = 0;
  int consumed = 0;
  const int fields = std::sscanf(text.c_str(), "s2s-cursor/%d epoch=%lld position=%lld seed=%llu plan=%llx%n",
                                 &version, &epoch, &position, &seed, &plan, &consumed);
  S2S_CHECK(fields >= 1 && text.rfind("s2s-cursor/", 0) == 0, "'{}' is not a data reader cursor", text);
  S2S_CHECK(version == kFormatVersion, "data reader cursor '{}' has version {}, this s2s reads version {}", text,
            version, kFormatVersion);
  S2S_CHECK(fields == 5 && static_cast<size_t>(consumed) == text.size() && epoch >= 1 && position >= 0,
            "data reader cursor '{}' is malformed", text);
  ReaderCursor c;
  c.epoch = epoch;
  c.position = position;
  c.seed = seed;
  c.plan_fingerprint = plan;
  return c;
}

}  // namespace s2s
