#include "data/ParallelTextPairSource.h"

#include <fmt/format.h>

#include "core/Check.h"

namespace s2s {

ParallelTextPairSource::ParallelTextPairSource(const std::string& source_path, const std::string& target_path,
                                               int64_t max_line_bytes)
    : source_(source_path, max_line_bytes), target_(target_path, max_line_bytes) {}

void ParallelTextPairSource::rewind() {
  source_.rewind();
  target_.rewind();
}

std::string ParallelTextPairSource::name() const { return source_.path() + " + " + target_.path(); }

std::string ParallelTextPairSource::where(int64_t line) const {
  return fmt::format("{}:{} / {}:{}", source_.path(), line, target_.path(), line);
}

bool ParallelTextPairSource::next(TextPair& pair) {
  std::string_view s;
  std::string_view t;
  const bool has_source = source_.next(s);
  const bool has_target = target_.next(t);
  if (!has_source && !has_target) return false;
  S2S_CHECK(has_source == has_target,
            "{} has {} lines but {} has more: the source and target files must have the same number of lines",
            has_source ? target_.path() : source_.path(),
            has_source ? target_.line_number() : source_.line_number(),
            has_source ? source_.path() : target_.path());
  pair.source = s;
  pair.target = t;
  pair.line = source_.line_number();
  check_utf8(s, fmt::format("{}:{}", source_.path(), pair.line), "source");
  check_utf8(t, fmt::format("{}:{}", target_.path(), pair.line), "target");
  return true;
}

}  // namespace s2s
