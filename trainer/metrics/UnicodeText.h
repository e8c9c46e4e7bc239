#pragma once
// The few Unicode-aware string operations the metrics need, with Python's semantics,
// because sacreBLEU (the reference the metrics must match to the fourth decimal) is Python:
// str.split() and str.rstrip() treat every Unicode whitespace code point as a separator,
// and chrF counts character n-grams in code points, not bytes. Input must be valid UTF-8
// (s2s score checks its files first).
#include <string>
#include <string_view>
#include <vector>

namespace s2s::unicode_text {

// True for the code points Python's str.isspace() accepts (U+0009..000D, U+001C..001F,
// U+0020, U+0085, U+00A0, U+1680, U+2000..200A, U+2028, U+2029, U+202F, U+205F, U+3000).
bool is_space(char32_t cp);

// Python's text.split(): the pieces between runs of whitespace, none empty.
std::vector<std::string> split(std::string_view text);

// Python's text.rstrip(): without trailing whitespace.
std::string_view rstrip(std::string_view text);

// Python's ''.join(text.split()), split into code points (views into `storage`, which this
// function fills): the characters chrF counts.
std::vector<std::string_view> non_space_code_points(std::string_view text, std::string& storage);

}  // namespace s2s::unicode_text
