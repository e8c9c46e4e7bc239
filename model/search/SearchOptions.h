#pragma once
// How greedy and beam search decode: beam width, n-best, length normalisation and the
// output length limit. validate() throws s2s::Error naming the bad field.
//
// The config's `search:` section (fields()) holds the defaults of `s2s translate`/`eval`
// and of validation decoding (train.valid_metric other than loss); n_best and
// keep_attention are per call and not config keys.
#include <cstdint>

#include "core/EnumNames.h"
#include "core/FieldRule.h"

namespace s2s {

// search.length_penalty: how finished hypotheses of different lengths are ranked.
S2S_ENUM(LengthPenalty, none, gnmt, power);

struct SearchOptions {
  // The config keys (beam_size, length_penalty, alpha, max_length_ratio, max_length_offset):
  // their docs, defaults and accepted values are in fields() below, the one place they are
  // written; length_normaliser() and max_length() say what the last four compute.
  int64_t beam_size = 5;
  LengthPenalty length_penalty = LengthPenalty::gnmt;
  double alpha = 0.6;
  double max_length_ratio = 2.0;
  int64_t max_length_offset = 10;

  // Per call, not config keys:
  int64_t n_best = 1;           // finished hypotheses returned per sentence, best first; <= beam_size
  bool keep_attention = false;  // keep the attention weights of every returned hypothesis

  template <class V>
  void fields(V& v) {
    v("beam_size", beam_size, "hypotheses kept per sentence (1: greedy search)", at_least(1));
    v("length_penalty", length_penalty,
      "length normalisation of finished hypotheses: none (raw log-probability), gnmt "
      "(((5 + n) / 6)^alpha) or power (n^alpha)",
      words_of<LengthPenalty>());
    v("alpha", alpha, "exponent of the gnmt and power length penalties", between(0.0, 10.0));
    v("max_length_ratio", max_length_ratio,
      "longest output: floor(max_length_ratio * source tokens) + max_length_offset", at_least(0.0));
    v("max_length_offset", max_length_offset, "tokens added to the output length limit",
      at_least(0));
  }

  void validate() const;
  // lp(n) of the chosen length_penalty, n >= 1: a finished hypothesis of n scored tokens (its
  // words plus </s>) with summed log-probability log P is ranked by log P / lp(n):
  //   none:  lp(n) = 1                   (raw log-probability; favours short outputs)
  //   gnmt:  lp(n) = ((5 + n) / 6)^alpha (Wu et al. 2016, the GNMT paper; alpha ~ 0.6-1)
  //   power: lp(n) = n^alpha             (alpha = 1: mean log-probability per token)
  // Only the ranking of finished hypotheses is normalised; which candidates stay in the beam
  // is decided by raw log-probability, as in fairseq (all candidates of one step have the
  // same length, so normalising there would not change the choice). beam_size 1 is greedy
  // search (BeamSearch with beam_size 1 returns exactly what GreedySearch returns).
  double length_normaliser(int64_t n) const;
  // The maximum output length in tokens, </s> not counted, for a source of S tokens:
  //   floor(max_length_ratio * S) + max_length_offset
  // A hypothesis that reaches it is ended with </s> (its log-probability included) and
  // marked reached_max_length.
  int64_t max_length(int64_t source_length) const;
};

}  // namespace s2s
