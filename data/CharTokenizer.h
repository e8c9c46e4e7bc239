#pragma once
// One piece per Unicode code point, spaces included: lossless, and the right choice for
// small synthetic tasks and character-level models.
#include "data/Tokenizer.h"

namespace s2s {

class CharTokenizer : public Tokenizer {
 public:
  std::string kind() const override { return "char"; }
  void encode(std::string_view text, std::vector<std::string>& pieces) const override;
  std::string decode(const std::vector<std::string>& pieces) const override;
};

}  // namespace s2s
