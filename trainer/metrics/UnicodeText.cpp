#include "trainer/metrics/UnicodeText.h"

#include "data/Utf8.h"

namespace s2s::unicode_text {

namespace {

// The code point of one UTF-8 sequence (as split by utf8::split_code_points).
char32_t decode(std::string_view s) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (s.size() == 1) return b0;
  char32_t cp = b0 & (0xFF >> (s.size() + 1));
  for (size_t i = 1; i < s.size(); ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3F);
  return cp;
}

}  // namespace

bool is_space(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string_view> cps;
  utf8::split_code_points(text, cps);
  std::vector<std::string> out;
  std::string word;
  for (const auto cp : cps) {
    if (is_space(decode(cp))) {
      if (!word.empty()) out.push_back(std::move(word));
      word.clear();
    } else {
      word.append(cp);
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

std::string_view rstrip(std::string_view text) {
  std::vector<std::string_view> cps;
  utf8::split_code_points(text, cps);
  size_t end = text.size();
  for (auto it = cps.rbegin(); it != cps.rend() && is_space(decode(*it)); ++it) end -= it->size();
  return text.substr(0, end);
}

std::vector<std::string_view> non_space_code_points(std::string_view text, std::string& storage) {
  std::vector<std::string_view> cps;
  utf8::split_code_points(text, cps);
  storage.clear();
  std::vector<size_t> sizes;
  for (const auto cp : cps) {
    if (is_space(decode(cp))) continue;
    storage.append(cp);
    sizes.push_back(cp.size());
  }
  std::vector<std::string_view> out;
  out.reserve(sizes.size());
  size_t pos = 0;
  for (const size_t n : sizes) {
    out.emplace_back(storage.data() + pos, n);
    pos += n;
  }
  return out;
}

}  // namespace s2s::unicode_text
