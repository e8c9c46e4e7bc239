#pragma once
// Builds a Config from defaults, a YAML file and `section.key=value` overrides, in that
// order, and refuses anything it does not understand with a one-line error that names the
// file, line and column (or the override), the key, and the nearest valid key.
#include <string>
#include <vector>

#include "trainer/config/Config.h"

namespace s2s {

class ConfigLoader {
 public:
  // Defaults, then `path` (skipped when empty), then each override, then cross-key checks.
  static Config load(const std::string& path, const std::vector<std::string>& overrides = {});

  // Applies a YAML document; `origin` names it in errors (a file path).
  static void apply_yaml(Config& config, const std::string& text, const std::string& origin);
  // Applies "section.key=value"; the value is read as YAML (so `true`, `3`, `[a, b]` work).
  static void apply_override(Config& config, const std::string& assignment);
  // Runs each section's validate() (rules that involve several keys), if it has one.
  static void validate(Config& config);
};

}  // namespace s2s
