#pragma once
// What changed between the config a checkpoint was written with and the config of the run
// that resumes from it, key by key; and which keys decide the model's shape (so that a
// change there makes the checkpoint unusable, resumed or fine-tuned).
#include <string>
#include <vector>

#include "trainer/config/Config.h"

namespace s2s {

struct ConfigChange {
  std::string key;      // "section.key", e.g. "model.encoder_hidden"
  std::string saved;    // the value in the checkpoint's config, as the config file writes it
  std::string current;  // the value now
  bool shape = false;   // the key decides the shape of a parameter (is_shape_key)
};

class ConfigDiff {
 public:
  // The keys of `current` whose value in `saved_yaml` (a resolved config, as ConfigWriter
  // writes it) differs, in declaration order. Keys the saved config lacks (written by an
  // older s2s) are taken as unchanged. Throws s2s::Error naming `origin` when `saved_yaml`
  // is not YAML.
  static std::vector<ConfigChange> between(const std::string& saved_yaml, const Config& current,
                                           const std::string& origin);

  // Whether "section.key" decides a parameter's shape: the cell, every size and layer
  // count, the readout and tied embeddings. (Vocabulary sizes come from the corpus and are
  // checked by their hashes.) Dropout and label smoothing do not.
  static bool is_shape_key(const std::string& key);

  // "model.encoder_hidden 16 -> 32, train.lr 0.001 -> 0.0005".
  static std::string describe(const std::vector<ConfigChange>& changes);
};

}  // namespace s2s
