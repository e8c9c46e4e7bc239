#pragma once
// One key of the config, flattened out of its section: what the loader needs to set it
// from YAML and what the writer needs to print it. Built from the sections' fields().
#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <vector>

#include "core/FieldRule.h"

namespace s2s {

struct ConfigField {
  std::string section;  // e.g. "model"
  std::string key;      // e.g. "embed_dim"
  std::string doc;      // one-line description
  std::string type;     // "integer", "number", "boolean", "string", "list of strings"
  FieldRule rule;       // accepted values
  // Parses `node`, checks the rule and stores the value; `where` prefixes any error
  // ("file.yaml:3:14" or "override 'model.x=1'").
  std::function<void(const YAML::Node& node, const std::string& where)> set;
  // The current value as a YAML flow scalar or sequence.
  std::function<std::string()> render;

  std::string path() const { return section + "." + key; }
};

}  // namespace s2s
