#pragma once
// The whole configuration of s2s: one options struct per YAML section. Each section
// declares its own keys (fields()); this struct only says which sections exist.
// Loading, overrides and dumping live in ConfigLoader and ConfigWriter.
#include <string>

#include "data/DataOptions.h"
#include "model/ModelOptions.h"
#include "model/search/SearchOptions.h"
#include "trainer/checkpoint/CheckpointOptions.h"
#include "trainer/config/RunOptions.h"
#include "trainer/TrainOptions.h"

namespace s2s {

struct Config {
  // Version of the config layout; a file may state `version: 1`, a newer one is refused.
  static constexpr int kFormatVersion = 1;

  RunOptions run;
  DataOptions data;
  ModelOptions model;
  TrainOptions train;
  SearchOptions search;
  CheckpointOptions checkpoint;

  // Visits each section: v(name, section_struct, one-line doc).
  template <class V>
  void sections(V& v) {
    v("run", run, "where the run writes, seed, logging");
    v("data", data, "the corpus written by `s2s prep` and how batches are formed from it");
    v("model", model, "shape of the Bahdanau encoder-decoder");
    v("train", train, "optimiser, learning-rate schedule, budgets, logging and validation");
    v("search", search,
      "how s2s translate and s2s eval decode by default, and validation with a decoding metric");
    v("checkpoint", checkpoint, "when checkpoints are written and which are kept");
  }
};

}  // namespace s2s
