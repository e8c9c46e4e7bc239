#pragma once
// Splits text into pieces (strings) and joins pieces back into text. Ids are not a
// tokenizer's business: the Vocab maps pieces to ids, with the same fixed specials
// whatever the tokenizer, so the model never depends on how text was split.
//
// Kinds: "char" (Unicode code points), "space" (whitespace-separated tokens),
// "sentencepiece" (a trained SentencePiece BPE or unigram model).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace s2s {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // "char", "space" or "sentencepiece": what the manifest and shards record.
  virtual std::string kind() const = 0;
  // Replaces `pieces` with the pieces of `text` (valid UTF-8).
  virtual void encode(std::string_view text, std::vector<std::string>& pieces) const = 0;
  // The text of `pieces`; decode(encode(t)) == t up to the tokenizer's normalisation
  // (space: runs of whitespace become one space; sentencepiece: its normaliser's rules).
  virtual std::string decode(const std::vector<std::string>& pieces) const = 0;
};

// The kinds make_tokenizer() accepts.
const std::vector<std::string>& tokenizer_kinds();

// A tokenizer of `kind`; `model_path` is the SentencePiece .model for "sentencepiece" and
// must be empty otherwise. Throws s2s::Error for an unknown kind or unreadable model.
std::unique_ptr<Tokenizer> make_tokenizer(const std::string& kind, const std::string& model_path = "");

}  // namespace s2s
