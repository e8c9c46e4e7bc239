#include "data/TsvPairSource.h"

#include <fmt/format.h>

#include "core/Check.h"

namespace s2s {

TsvPairSource::TsvPairSource(const std::string& path, int64_t max_line_bytes) : reader_(path, max_line_bytes) {}

std::string TsvPairSource::where(int64_t line) const { return fmt::format("{}:{}", reader_.path(), line); }

bool TsvPairSource::next(TextPair& pair) {
  std::string_view line;
  if (!reader_.next(line)) return false;
  const int64_t n = reader_.line_number();
  const size_t tab = line.find('\t');
  S2S_CHECK(tab != std::string_view::npos,
            "{}: no tab: every line must be `source<TAB>target` (or pass --source/--target for two "
            "parallel files)",
            where(n));
  S2S_CHECK(line.find('\t', tab + 1) == std::string_view::npos,
            "{}: more than one tab: every line must be `source<TAB>target`, with no tab inside the text",
            where(n));
  pair.source = line.substr(0, tab);
  pair.target = line.substr(tab + 1);
  pair.line = n;
  check_utf8(pair.source, where(n), "source");
  check_utf8(pair.target, where(n), "target");
  return true;
}

}  // namespace s2s
