#include "trainer/metrics/Tokenizer13a.h"

#include "trainer/metrics/UnicodeText.h"

namespace s2s {

namespace {

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  std::string out;
  size_t pos = 0;
  for (size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
    out.append(s, pos, hit - pos);
    out.append(to);
  }
  out.append(s, pos, std::string::npos);
  s = std::move(out);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// [\{-\~\[-\` -\&\(-\+\:-\@\/]
bool is_symbol(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= '{' && u <= '~') || (u >= '[' && u <= '`') || (u >= ' ' && u <= '&') ||
         (u >= '(' && u <= '+') || (u >= ':' && u <= '@') || u == '/';
}

bool is_period_or_comma(char c) { return c == '.' || c == ','; }

// re.sub of a two-character pattern (first, second) -> left + c1 + middle + c2 + right,
// scanning left to right without overlaps. Bytes stand in for code points: every class
// here is ASCII or "not an ASCII digit", and a UTF-8 continuation or lead byte is never
// '.', ',', '-' or a digit, so byte-wise matching finds the same matches.
template <class First, class Second>
std::string sub_pairs(const std::string& s, First first, Second second, std::string_view before,
                      std::string_view between, std::string_view after) {
  std::string out;
  out.reserve(s.size() + 16);
  size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && first(s[i]) && second(s[i + 1])) {
      out.append(before);
      out.push_back(s[i]);
      out.append(between);
      out.push_back(s[i + 1]);
      out.append(after);
      i += 2;
    } else {
      out.push_back(s[i++]);
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> Tokenizer13a::operator()(std::string_view line) const {
  std::string s(line);
  replace_all(s, "<skipped>", "");
  replace_all(s, "-\n", "");
  replace_all(s, "\n", " ");
  if (s.find('&') != std::string::npos) {
    replace_all(s, "&quot;", "\"");
    replace_all(s, "&amp;", "&");
    replace_all(s, "&lt;", "<");
    replace_all(s, "&gt;", ">");
  }
  s = " " + s + " ";

  std::string padded;
  padded.reserve(s.size() * 2);
  for (const char c : s) {  // ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "
    if (is_symbol(c)) {
      padded.push_back(' ');
      padded.push_back(c);
      padded.push_back(' ');
    } else {
      padded.push_back(c);
    }
  }
  const auto not_digit = [](char c) { return !is_digit(c); };
  // ([^0-9])([\.,]) -> "\1 \2 "
  s = sub_pairs(padded, not_digit, is_period_or_comma, "", " ", " ");
  // ([\.,])([^0-9]) -> " \1 \2"
  s = sub_pairs(s, is_period_or_comma, not_digit, " ", " ", "");
  // ([0-9])(-) -> "\1 \2 "
  s = sub_pairs(s, is_digit, [](char c) { return c == '-'; }, "", " ", " ");
  return unicode_text::split(s);
}

}  // namespace s2s
