#pragma once
// A trained SentencePiece model (BPE or unigram) used as a tokenizer, and the training of
// such a model from a stream of sentences with a bounded sample (input_sentence_size), so
// that memory stays bounded whatever the corpus size.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "data/Tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace s2s {

// How `s2s prep` trains a SentencePiece model for one side.
struct SentencePieceTraining {
  std::string model_type = "bpe";         // "bpe" or "unigram"
  int vocab_size = 8000;                  // pieces in the SentencePiece model
  int64_t input_sentence_size = 1000000;  // sentences sampled for training (bounds memory)
  double character_coverage = 1.0;        // fraction of characters the model must cover
  uint64_t seed = 1;                      // SentencePiece's sampling seed
  int threads = 1;                        // 1 keeps training bit-for-bit reproducible
};

class SentencePieceTokenizer : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(const std::string& model_path);
  ~SentencePieceTokenizer() override;

  std::string kind() const override { return "sentencepiece"; }
  void encode(std::string_view text, std::vector<std::string>& pieces) const override;
  std::string decode(const std::vector<std::string>& pieces) const override;

  // Trains a model on the sentences that `next_sentence` yields (it returns false at the
  // end) and writes it to `model_path`. `name` labels errors ("source side of corpus.tsv").
  static void train(const std::function<bool(std::string&)>& next_sentence,
                    const SentencePieceTraining& options, const std::string& model_path,
                    const std::string& name);

 private:
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  std::string model_path_;
};

}  // namespace s2s
