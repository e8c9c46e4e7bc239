#pragma once
// A trained model as `s2s translate`, `s2s eval` and `s2s plot attention` load it: a
// checkpoint (a file, or a run directory's latest or best one), the config it recorded,
// the Seq2Seq built from that config with the checkpoint's weights, and the vocabularies
// and tokenizers of the corpus it was trained on (data.dir of its config, or another
// directory holding the same files), checked against the vocabulary hashes the checkpoint
// recorded.
//
//   TrainedModel m = TrainedModel::load({"runs/first"});
//   Translator t = m.translator(m.config().search);
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "data/Tokenizer.h"
#include "data/Vocab.h"
#include "model/Seq2Seq.h"
#include "trainer/checkpoint/CheckpointCodec.h"
#include "trainer/config/Config.h"
#include "trainer/decode/Translator.h"

namespace s2s {

struct TrainedModelRequest {
  std::string checkpoint;  // a checkpoint file, or a run directory (its latest checkpoint)
  bool best = false;       // run directory: its best checkpoint by train.valid_metric instead
  std::string corpus_dir;  // vocabularies and tokenizer models; empty: the config's data.dir
  std::string device = "auto";  // "auto" (cuda:0 when available), "cpu", "cuda", "cuda:N"
  // A checkpoint with EMA weights (train.ema_decay) decodes with them; true: with its raw
  // weights instead (--raw-weights). Without EMA weights it changes nothing.
  bool raw_weights = false;
  // A later member of an ensemble (TrainedEnsemble): the first member's checkpoint and the
  // hashes of its vocabularies by side ("src", "tgt"). A checkpoint trained with other
  // vocabularies is refused, naming both checkpoints. Empty: not checked.
  std::string ensemble_first;
  std::map<std::string, std::string> ensemble_vocab_hashes;
};

class TrainedModel {
 public:
  // Throws a one-line s2s::Error naming the file when the checkpoint, the corpus manifest,
  // a vocabulary or tokenizer model is missing or unreadable, or a vocabulary's hash differs
  // from the checkpoint's record.
  static TrainedModel load(const TrainedModelRequest& request);

  const Config& config() const { return config_; }
  const std::string& checkpoint_path() const { return checkpoint_path_; }
  int64_t step() const { return step_; }
  ModelWeights weights() const { return weights_; }  // which of the checkpoint's weights it holds
  Seq2Seq model() const { return model_; }

  // A translator over this model (shared, not copied) with `search` options.
  Translator translator(const SearchOptions& search) const;

  // The corpus files it decodes with (TrainedEnsemble shares the first member's).
  const Vocab& source_vocab() const { return source_vocab_; }
  const Vocab& target_vocab() const { return target_vocab_; }
  const std::shared_ptr<const Tokenizer>& source_tokenizer() const { return source_tokenizer_; }
  const std::shared_ptr<const Tokenizer>& target_tokenizer() const { return target_tokenizer_; }

 private:
  TrainedModel() = default;

  Config config_;
  std::string checkpoint_path_;
  int64_t step_ = 0;
  ModelWeights weights_ = ModelWeights::raw;
  Seq2Seq model_{nullptr};
  Vocab source_vocab_;
  Vocab target_vocab_;
  std::shared_ptr<const Tokenizer> source_tokenizer_;
  std::shared_ptr<const Tokenizer> target_tokenizer_;
};

}  // namespace s2s
