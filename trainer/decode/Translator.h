#pragma once
// Text in, text out: a trained Seq2Seq with the tokenizers and vocabularies of its corpus.
// Encodes source lines as `s2s prep` does (tokenizer pieces, vocabulary ids, </s>), decodes
// them in batches with greedy (beam_size 1) or beam search, and detokenizes the outputs.
// Also the teacher-forced loss of (source, reference) pairs, for `s2s eval`, and the
// id-level pieces validation needs. `s2s translate`, `s2s eval`, `s2s plot attention` and
// the trainer's validation (Validator) all decode through it.
//
//   Translator translator(model, src_vocab, tgt_vocab, src_tok, tgt_tok, search_options);
//   std::vector<Translation> out = translator.translate(lines, /*batch_size=*/32);
//   out[i].nbest[0].text     // the best output of lines[i]
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data/Tokenizer.h"
#include "data/Vocab.h"
#include "model/BatchTensors.h"
#include "model/Seq2Seq.h"
#include "model/search/Hypothesis.h"
#include "model/search/SearchOptions.h"
#include "model/search/StepModel.h"

namespace s2s {

// One output of one source line.
struct TranslatedHypothesis {
  std::string text;                 // detokenized
  std::vector<std::string> tokens;  // target vocabulary tokens, </s> not included
  double score = 0;                 // length-normalised log-probability (what n-best is sorted by)
  double log_prob = 0;              // summed log-probability, </s> included
  // (tokens.size() + 1, source tokens + 1) float32 on the CPU: rows are output tokens then
  // </s>, columns source tokens then </s>; undefined unless attention was asked for.
  torch::Tensor attention;
};

struct Translation {
  std::vector<std::string> source_tokens;  // source vocabulary tokens (<unk> for unknown pieces), </s> not included
  std::vector<TranslatedHypothesis> nbest;  // best first; search.n_best entries
};

// Summed label-smoothing-free negative log-likelihood of references under teacher forcing.
struct TeacherForcedLoss {
  double nll_sum = 0;   // nats
  int64_t tokens = 0;   // target tokens scored (</s> included)
  double per_token() const { return tokens > 0 ? nll_sum / static_cast<double>(tokens) : 0.0; }
};

class Translator {
 public:
  // `model` is switched to eval mode and stays shared (a trainer's model keeps training
  // between uses); decoding runs on its device. Validates `search`.
  Translator(Seq2Seq model, Vocab source_vocab, Vocab target_vocab,
             std::shared_ptr<const Tokenizer> source_tokenizer,
             std::shared_ptr<const Tokenizer> target_tokenizer, SearchOptions search);
  // An ensemble: `models` (at least one; on one device; trained with these vocabularies,
  // which the caller checks) decode together, each step taking the mean of their
  // log-probabilities (model/search/EnsembleStepModel.h); one model is the constructor above.
  Translator(std::vector<Seq2Seq> models, Vocab source_vocab, Vocab target_vocab,
             std::shared_ptr<const Tokenizer> source_tokenizer,
             std::shared_ptr<const Tokenizer> target_tokenizer, SearchOptions search);

  int64_t ensemble_size() const { return static_cast<int64_t>(models_.size()); }

  const SearchOptions& search_options() const { return search_; }

  // Translates `lines` (valid UTF-8, one sentence each) in batches of at most `batch_size`
  // sentences formed after sorting by source length; results come back in input order.
  // An empty line is a source of </s> alone.
  std::vector<Translation> translate(const std::vector<std::string>& lines, int64_t batch_size);

  // The teacher-forced loss of `references` given `sources` (same length), in batches.
  TeacherForcedLoss loss(const std::vector<std::string>& sources,
                         const std::vector<std::string>& references, int64_t batch_size);
  // The teacher-forced loss of one id batch (on the model's device): the one loss path of
  // `s2s eval` and of the trainer's validation. For an ensemble the mean of the members'
  // losses: the negated score its search gives the references (the mean of log-probs).
  TeacherForcedLoss loss(const BatchTensors& batch);

  // Greedy (beam_size 1) or beam search on a padded id batch: src (B, T_src) int64 with
  // </s> and kPadId padding, src_lengths (B). One n-best list per row, in row order.
  std::vector<NBest> search(const torch::Tensor& src, const torch::Tensor& src_lengths);

  // Target ids -> detokenized text (specials other than <unk> left out).
  std::string detokenize(const std::vector<int64_t>& target_ids) const;

  // Ids of a source line as the model reads them: pieces -> ids, then </s>.
  std::vector<int64_t> encode_source(std::string_view text) const;

  const Vocab& source_vocab() const { return source_vocab_; }
  const Vocab& target_vocab() const { return target_vocab_; }

 private:
  // The model search decodes with: the one model, or the ensemble of all.
  std::unique_ptr<StepModel> step_model();
  // Ids of `text` as `s2s prep` writes them (no specials).
  std::vector<int32_t> piece_ids(std::string_view text, const Tokenizer& tokenizer, const Vocab& vocab) const;
  // One line's result from its source ids and its search output.
  Translation translation(const std::vector<int32_t>& source, NBest&& nbest) const;

  std::vector<Seq2Seq> models_;  // one, or the members of an ensemble
  Vocab source_vocab_;
  Vocab target_vocab_;
  std::shared_ptr<const Tokenizer> source_tokenizer_;
  std::shared_ptr<const Tokenizer> target_tokenizer_;
  SearchOptions search_;
  torch::Device device_;
};

}  // namespace s2s
