#pragma once
// Where `s2s prep` reads sentence pairs from: a TSV file, two line-parallel files, or the
// built-in sample task. Sources are read several times (scan, vocabulary, encoding), so
// they rewind; each pass streams, so memory does not grow with the corpus.
//
// Every pair a source returns has been checked: the line has exactly one tab (TSV), both
// sides are valid UTF-8, and no line is longer than the limit. A bad line throws an
// s2s::Error naming the file and line number.
#include <cstdint>
#include <string>
#include <string_view>

namespace s2s {

struct TextPair {
  std::string_view source;  // valid until the next call of next()
  std::string_view target;
  int64_t line = 0;         // 1-based line number (pair number for generated sources)
};

class PairSource {
 public:
  virtual ~PairSource() = default;

  virtual bool next(TextPair& pair) = 0;  // false at the end
  virtual void rewind() = 0;

  // What the source is, for logs and the manifest: "corpus.tsv", "a.de + a.en", ...
  virtual std::string name() const = 0;
  // Where line `line` is, for error messages: "corpus.tsv:12".
  virtual std::string where(int64_t line) const = 0;

  // How far the current pass is, in progress_unit()s (bytes for files, pairs otherwise).
  virtual int64_t progress_total() const = 0;
  virtual int64_t progress_done() const = 0;
  virtual std::string progress_unit() const = 0;
};

// Throws "<where>: invalid UTF-8 in the <side> at byte N: ..." unless `text` is valid.
void check_utf8(std::string_view text, const std::string& where, const char* side);

}  // namespace s2s
