#include "data/Tokenizer.h"

#include "core/Check.h"
#include "data/CharTokenizer.h"
#include "data/SentencePieceTokenizer.h"
#include "data/SpaceTokenizer.h"

namespace s2s {

const std::vector<std::string>& tokenizer_kinds() {
  static const std::vector<std::string> kinds = {"char", "space", "sentencepiece"};
  return kinds;
}

std::unique_ptr<Tokenizer> make_tokenizer(const std::string& kind, const std::string& model_path) {
  if (kind == "char" || kind == "space") {
    S2S_CHECK(model_path.empty(), "tokenizer '{}' takes no model file (got {})", kind, model_path);
    if (kind == "char") return std::make_unique<CharTokenizer>();
    return std::make_unique<SpaceTokenizer>();
  }
  if (kind == "sentencepiece") {
    S2S_CHECK(!model_path.empty(), "tokenizer 'sentencepiece' needs a .model file");
    return std::make_unique<SentencePieceTokenizer>(model_path);
  }
  S2S_FAIL("unknown tokenizer '{}': use one of char, space, sentencepiece", kind);
}

}  // namespace s2s
