#pragma once
// Writes a Config as YAML that ConfigLoader reads back to the same values: every key, with
// its one-line doc and accepted values as a comment. `s2s config --dump` prints it, each run
// saves its resolved config with it, and configs/reference.yaml is its output for defaults.
#include <string>

#include "trainer/config/Config.h"

namespace s2s {

class ConfigWriter {
 public:
  static std::string to_yaml(Config config);
};

}  // namespace s2s
