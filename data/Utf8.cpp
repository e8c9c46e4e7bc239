#include "data/Utf8.h"

#include <cstdint>

namespace s2s::utf8 {
namespace {

// Length of the sequence that starts with `lead`, 0 for a byte that cannot start one.
size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;  // continuation byte, overlong 2-byte lead (C0, C1) or beyond U+10FFFF
}

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

bool is_valid(std::string_view text, size_t* error_offset) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {  // ASCII fast path
      ++i;
      continue;
    }
    const size_t len = sequence_length(c);
    bool ok = len != 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) ok = is_continuation(s[i + k]);
    if (ok && len == 3) {
      if (c == 0xE0 && s[i + 1] < 0xA0) ok = false;   // overlong
      if (c == 0xED && s[i + 1] >= 0xA0) ok = false;  // UTF-16 surrogates
    }
    if (ok && len == 4) {
      if (c == 0xF0 && s[i + 1] < 0x90) ok = false;   // overlong
      if (c == 0xF4 && s[i + 1] >= 0x90) ok = false;  // above U+10FFFF
    }
    if (!ok) {
      if (error_offset) *error_offset = i;
      return false;
    }
    i += len;
  }
  return true;
}

void split_code_points(std::string_view text, std::vector<std::string_view>& out) {
  out.clear();
  size_t i = 0;
  while (i < text.size()) {
    size_t len = sequence_length(static_cast<unsigned char>(text[i]));
    if (len == 0 || i + len > text.size()) len = 1;  // not expected after validation
    out.push_back(text.substr(i, len));
    i += len;
  }
}

}  // namespace s2s::utf8
