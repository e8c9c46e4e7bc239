#include "data/SpaceTokenizer.h"

namespace s2s {
namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
}  // namespace

void SpaceTokenizer::encode(std::string_view text, std::vector<std::string>& pieces) const {
  size_t n = 0;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) {
      if (n == pieces.size()) pieces.emplace_back();
      pieces[n++].assign(text.substr(start, i - start));  // reuses the string's capacity
    }
  }
  pieces.resize(n);
}

std::string SpaceTokenizer::decode(const std::vector<std::string>& pieces) const {
  std::string text;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i) text += ' ';
    text += pieces[i];
  }
  return text;
}

}  // namespace s2s
