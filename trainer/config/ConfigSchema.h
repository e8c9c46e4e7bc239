#pragma once
// The config flattened into its keys, each bound to a member of one Config object. It is
// the single bridge between the options structs (which know nothing of YAML) and the
// loader and writer (which know nothing of particular keys).
#include <string>
#include <vector>

#include "trainer/config/Config.h"
#include "trainer/config/ConfigField.h"

namespace s2s {

struct ConfigSection {
  std::string name;                 // e.g. "model"
  std::string doc;                  // one-line description
  std::vector<ConfigField> fields;  // in declaration order
};

class ConfigSchema {
 public:
  // Binds every key of `config`; `config` must outlive the schema.
  explicit ConfigSchema(Config& config);

  const std::vector<ConfigSection>& sections() const { return sections_; }
  const ConfigSection* find_section(const std::string& name) const;
  const ConfigField* find(const std::string& section, const std::string& key) const;
  // The valid "section.key" (or section name alone when key is empty) nearest to a misspelt
  // one, by edit distance.
  std::string nearest(const std::string& section, const std::string& key) const;

 private:
  std::vector<ConfigSection> sections_;
};

}  // namespace s2s
