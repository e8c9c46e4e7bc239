#include "trainer/config/ConfigDiff.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>

#include "core/Check.h"
#include "trainer/config/ConfigSchema.h"

namespace s2s {

std::vector<ConfigChange> ConfigDiff::between(const std::string& saved_yaml, const Config& current,
                                              const std::string& origin) {
  YAML::Node saved;
  try {
    saved = YAML::Load(saved_yaml);
  } catch (const YAML::Exception& e) {
    S2S_FAIL("{}: its recorded config is not YAML ({}): the file is damaged; resume from another "
             "checkpoint (--resume) or start over (--no-resume)",
             origin, e.what());
  }
  Config now = current;
  Config then;  // the saved values, read through the same fields so that both render alike
  const ConfigSchema now_schema(now);
  const ConfigSchema then_schema(then);
  std::vector<ConfigChange> changes;
  for (const ConfigSection& section : now_schema.sections()) {
    const YAML::Node saved_section = saved.IsMap() ? saved[section.name] : YAML::Node();
    if (!saved_section || !saved_section.IsMap()) continue;
    for (const ConfigField& field : section.fields) {
      const YAML::Node value = saved_section[field.key];
      if (!value) continue;
      std::string saved_text;
      try {
        then_schema.find(section.name, field.key)->set(value, origin);
        saved_text = then_schema.find(section.name, field.key)->render();
      } catch (const std::exception&) {
        // A value this s2s no longer accepts: compare it as written.
        saved_text = value.IsScalar() ? value.Scalar() : YAML::Dump(value);
      }
      const std::string current_text = field.render();
      if (saved_text == current_text) continue;
      ConfigChange change;
      change.key = field.path();
      change.saved = saved_text;
      change.current = current_text;
      change.shape = is_shape_key(change.key);
      changes.push_back(std::move(change));
    }
  }
  return changes;
}

bool ConfigDiff::is_shape_key(const std::string& key) {
  static const std::array<const char*, 10> kShape = {
      "model.cell",           "model.embed_dim",      "model.encoder_hidden", "model.encoder_layers",
      "model.decoder_hidden", "model.decoder_layers", "model.attention_dim",  "model.readout",
      "model.readout_dim",    "model.tie_embeddings"};
  return std::any_of(kShape.begin(), kShape.end(), [&](const char* k) { return key == k; });
}

std::string ConfigDiff::describe(const std::vector<ConfigChange>& changes) {
  std::string text;
  for (const ConfigChange& c : changes)
    text += fmt::format("{}{} {} -> {}", text.empty() ? "" : ", ", c.key, c.saved, c.current);
  return text;
}

}  // namespace s2s
