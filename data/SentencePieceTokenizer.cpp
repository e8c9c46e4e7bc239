#include "data/SentencePieceTokenizer.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <fstream>
#include <unordered_map>

#include "core/Check.h"
#include "core/Log.h"

namespace s2s {
namespace {

const Log log("prep");

// Feeds SentencePiece's trainer from a callback, so that it samples from a stream instead
// of loading a file (SentencePiece keeps input_sentence_size sentences, nothing more).
class CallbackSentenceIterator : public sentencepiece::SentenceIterator {
 public:
  explicit CallbackSentenceIterator(const std::function<bool(std::string&)>& next) : next_(next) { Next(); }
  bool done() const override { return done_; }
  void Next() override { done_ = !next_(value_); }
  const std::string& value() const override { return value_; }
  sentencepiece::util::Status status() const override { return sentencepiece::util::Status(); }

 private:
  const std::function<bool(std::string&)>& next_;
  std::string value_;
  bool done_ = false;
};

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& model_path)
    : processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()), model_path_(model_path) {
  const auto status = processor_->Load(model_path);
  S2S_CHECK(status.ok(), "cannot load SentencePiece model {}: {}", model_path, status.ToString());
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

void SentencePieceTokenizer::encode(std::string_view text, std::vector<std::string>& pieces) const {
  const auto status = processor_->Encode(absl::string_view(text.data(), text.size()), &pieces);
  S2S_CHECK(status.ok(), "SentencePiece ({}) cannot encode a line: {}", model_path_, status.ToString());
}

std::string SentencePieceTokenizer::decode(const std::vector<std::string>& pieces) const {
  // SentencePiece's own Decode maps pieces through its vocabulary, turning a piece it does
  // not know (an <unk> surface) into " ⁇ ". Pieces are surfaces with U+2581 for spaces, so
  // concatenating and restoring the spaces is lossless.
  static const std::string kSpace = "\xE2\x96\x81";  // U+2581
  std::string joined;
  for (const auto& p : pieces) joined += p;
  std::string text;
  text.reserve(joined.size());
  for (size_t i = 0; i < joined.size();) {
    if (joined.compare(i, kSpace.size(), kSpace) == 0) {
      text += ' ';
      i += kSpace.size();
    } else {
      text += joined[i++];
    }
  }
  if (!text.empty() && text.front() == ' ') text.erase(0, 1);
  return text;
}

void SentencePieceTokenizer::train(const std::function<bool(std::string&)>& next_sentence,
                                   const SentencePieceTraining& options, const std::string& model_path,
                                   const std::string& name) {
  S2S_CHECK(options.model_type == "bpe" || options.model_type == "unigram",
            "SentencePiece model type '{}' is not supported: use bpe or unigram", options.model_type);
  S2S_CHECK(options.vocab_size >= 8, "SentencePiece vocabulary size {} is too small: use at least 8",
            options.vocab_size);
  sentencepiece::SetRandomGeneratorSeed(static_cast<unsigned>(options.seed));
  const std::unordered_map<std::string, std::string> args = {
      {"model_type", options.model_type},
      {"vocab_size", std::to_string(options.vocab_size)},
      {"input_sentence_size", std::to_string(options.input_sentence_size)},
      {"shuffle_input_sentence", "true"},
      {"character_coverage", fmt::format("{}", options.character_coverage)},
      {"num_threads", std::to_string(options.threads)},
      {"hard_vocab_limit", "false"},  // a small corpus gets a smaller vocabulary, not an error
      {"minloglevel", "1"},           // SentencePiece's INFO lines would drown ours
  };
  CallbackSentenceIterator iterator(next_sentence);
  std::string serialized;
  log.info("training a SentencePiece {} model ({} pieces) on the {}", options.model_type, options.vocab_size,
           name);
  const auto status = sentencepiece::SentencePieceTrainer::Train(args, &iterator, &serialized);
  S2S_CHECK(status.ok(), "SentencePiece training on the {} failed: {}", name, status.ToString());
  std::ofstream out(model_path, std::ios::binary);
  out.write(serialized.data(), static_cast<std::streamsize>(serialized.size()));
  out.close();
  S2S_CHECK(out.good(), "cannot write {} (disk full?)", model_path);
}

}  // namespace s2s
