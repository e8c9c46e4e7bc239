#include "data/CharTokenizer.h"

#include "data/Utf8.h"

namespace s2s {

void CharTokenizer::encode(std::string_view text, std::vector<std::string>& pieces) const {
  thread_local std::vector<std::string_view> points;
  utf8::split_code_points(text, points);
  pieces.resize(points.size());
  for (size_t i = 0; i < points.size(); ++i) pieces[i].assign(points[i]);
}

std::string CharTokenizer::decode(const std::vector<std::string>& pieces) const {
  std::string text;
  for (const auto& p : pieces) text += p;
  return text;
}

}  // namespace s2s
