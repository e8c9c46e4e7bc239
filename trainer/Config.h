#pragma once
// The whole configuration of s2s: one options struct per YAML section. Each section
// declares its own keys (fields()); this struct only says which sections exist.
// Loading, overrides and dumping live in ConfigLoader and ConfigWriter.
#include <string>

#include "model/ModelOptions.h"
#include "trainer/RunOptions.h"

namespace s2s {

struct Config {
  // Version of the config layout; a file may state `version: 1`, a newer one is refused.
  static constexpr int kFormatVersion = 1;

  RunOptions run;
  ModelOptions model;

  // Visits each section: v(name, section_struct, one-line doc).
  template <class V>
  void sections(V& v) {
    v("run", run, "where the run writes, seed, logging");
    v("model", model, "shape of the Bahdanau encoder-decoder");
  }
};

}  // namespace s2s
