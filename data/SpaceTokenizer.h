#pragma once
// Pieces are the runs of non-space characters (space, tab, CR, LF, FF, VT separate them):
// for corpora that are already tokenized, as most public parallel corpora are.
#include "data/Tokenizer.h"

namespace s2s {

class SpaceTokenizer : public Tokenizer {
 public:
  std::string kind() const override { return "space"; }
  void encode(std::string_view text, std::vector<std::string>& pieces) const override;
  std::string decode(const std::vector<std::string>& pieces) const override;  // joins with ' '
};

}  // namespace s2s
