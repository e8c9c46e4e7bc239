#include "trainer/config/ConfigLoader.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>
#include <type_traits>
#include <utility>

#include "core/Check.h"
#include "trainer/config/ConfigSchema.h"

namespace s2s {
namespace {

constexpr const char* kReferenceHint = "configs/reference.yaml lists every key";

std::string at(const std::string& origin, const YAML::Mark& mark) {
  return fmt::format("{}:{}:{}", origin, mark.line + 1, mark.column + 1);
}

template <class S, class = void>
struct HasValidate : std::false_type {};
template <class S>
struct HasValidate<S, std::void_t<decltype(std::declval<const S&>().validate())>>
    : std::true_type {};

struct SectionValidator {
  template <class S>
  void operator()(const char*, S& section, const char*) {
    if constexpr (HasValidate<S>::value) section.validate();
  }
};

}  // namespace

Config ConfigLoader::load(const std::string& path, const std::vector<std::string>& overrides) {
  Config config;
  if (!path.empty()) {
    std::ifstream in(path);
    S2S_CHECK(in.good(), "config file '{}' cannot be read: check the path ({})", path,
              kReferenceHint);
    std::stringstream text;
    text << in.rdbuf();
    apply_yaml(config, text.str(), path);
  }
  for (const auto& o : overrides) apply_override(config, o);
  validate(config);
  return config;
}

void ConfigLoader::apply_yaml(Config& config, const std::string& text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    S2S_FAIL("{}: YAML syntax error: {}", at(origin, e.mark), e.msg);
  }
  if (root.IsNull()) return;  // an empty file means all defaults
  S2S_CHECK(root.IsMap(), "{}: a config is a map of sections (run:, model:, ...), got {}",
            at(origin, root.Mark()), root.IsSequence() ? "a list" : "a single value");

  ConfigSchema schema(config);
  std::set<std::string> seen_sections;
  for (const auto& entry : root) {
    const std::string name = entry.first.as<std::string>();
    const std::string where = at(origin, entry.first.Mark());
    S2S_CHECK(seen_sections.insert(name).second, "{}: section '{}' appears twice", where, name);
    if (name == "version") {
      int version = 0;
      try {
        version = entry.second.as<int>();
      } catch (const YAML::Exception&) {
        S2S_FAIL("{}: version must be an integer", where);
      }
      S2S_CHECK(version == Config::kFormatVersion,
                "{}: config format version {} is not supported by this s2s (it reads version "
                "{}); regenerate it with `s2s config --dump`",
                where, version, Config::kFormatVersion);
      continue;
    }
    S2S_CHECK(schema.find_section(name), "{}: unknown section '{}'; did you mean '{}'? ({})",
              where, name, schema.nearest(name, ""), kReferenceHint);
    const YAML::Node& body = entry.second;
    if (body.IsNull()) continue;
    S2S_CHECK(body.IsMap(), "{}: section '{}' must be a map of keys", where, name);

    std::set<std::string> seen_keys;
    for (const auto& kv : body) {
      const std::string key = kv.first.as<std::string>();
      const std::string key_where = at(origin, kv.first.Mark());
      S2S_CHECK(seen_keys.insert(key).second, "{}: key '{}.{}' appears twice", key_where, name,
                key);
      const ConfigField* field = schema.find(name, key);
      S2S_CHECK(field, "{}: unknown key '{}.{}'; did you mean '{}'? ({})", key_where, name, key,
                schema.nearest(name, key), kReferenceHint);
      S2S_CHECK(!kv.second.IsNull(), "{}: key '{}.{}' has no value", key_where, name, key);
      field->set(kv.second, at(origin, kv.second.Mark()));
    }
  }
}

void ConfigLoader::apply_override(Config& config, const std::string& assignment) {
  const std::string where = fmt::format("override '{}'", assignment);
  const auto eq = assignment.find('=');
  S2S_CHECK(eq != std::string::npos, "{}: write overrides as section.key=value", where);
  const std::string path = assignment.substr(0, eq);
  const std::string value = assignment.substr(eq + 1);
  const auto dot = path.find('.');
  S2S_CHECK(dot != std::string::npos, "{}: write overrides as section.key=value", where);
  const std::string section = path.substr(0, dot);
  const std::string key = path.substr(dot + 1);

  ConfigSchema schema(config);
  S2S_CHECK(schema.find_section(section), "{}: unknown section '{}'; did you mean '{}'? ({})",
            where, section, schema.nearest(section, ""), kReferenceHint);
  const ConfigField* field = schema.find(section, key);
  S2S_CHECK(field, "{}: unknown key '{}'; did you mean '{}'? ({})", where, path,
            schema.nearest(section, key), kReferenceHint);
  // Strings are taken literally (paths may hold ': ' or '#'); other types are read as YAML,
  // so `true`, `3`, `0.5` and `[a, b]` mean what they mean in a file.
  YAML::Node node(value);
  if (field->type != "string") {
    try {
      node = YAML::Load(value);
    } catch (const YAML::ParserException& e) {
      S2S_FAIL("{}: the value is not valid YAML: {}", where, e.msg);
    }
    S2S_CHECK(!node.IsNull(), "{}: {} needs a value", where, path);
  }
  field->set(node, where);
}

void ConfigLoader::validate(Config& config) {
  SectionValidator v;
  config.sections(v);
}

}  // namespace s2s
