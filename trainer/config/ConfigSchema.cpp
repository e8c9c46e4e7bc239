#include "trainer/config/ConfigSchema.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/Check.h"
#include "core/EnumNames.h"

namespace s2s {
namespace {

// "integer" -> "an integer", for messages.
std::string a(const std::string& noun) {
  const bool vowel = !noun.empty() && std::string("aeiou").find(noun[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + noun;
}

template <class T>
const char* type_name() {
  if constexpr (std::is_enum_v<T>) return "string";  // one of the enum's words
  else if constexpr (std::is_same_v<T, bool>) return "boolean";
  else if constexpr (std::is_integral_v<T>) return "integer";
  else if constexpr (std::is_floating_point_v<T>) return "number";
  else if constexpr (std::is_same_v<T, std::string>) return "string";
  else return "list of strings";
}

std::string node_text(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsNull()) return "nothing";
  if (node.IsSequence()) return "a list";
  return "a map";
}

std::string rule_text(const FieldRule& rule) {
  if (!rule.choices.empty()) return fmt::format("one of {}", fmt::join(rule.choices, ", "));
  if (rule.min && rule.max)
    return fmt::format("in [{}, {}{}", *rule.min, *rule.max, rule.max_open ? ")" : "]");
  if (rule.min) return fmt::format(">= {}", *rule.min);
  return "";
}

// Reads one value of type T from a YAML node, or throws naming the key and the place.
template <class T>
T parse(const YAML::Node& node, const std::string& where, const std::string& path) {
  const char* expected = type_name<T>();
  if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    S2S_CHECK(node.IsSequence(), "{}: {} must be {}, got {}", where, path, a(expected),
              node_text(node));
    std::vector<std::string> out;
    for (const auto& item : node) {
      S2S_CHECK(item.IsScalar(), "{}: every item of {} must be a string", where, path);
      out.push_back(item.Scalar());
    }
    return out;
  } else {
    S2S_CHECK(node.IsScalar(), "{}: {} must be {}, got {}", where, path, a(expected),
              node_text(node));
    if constexpr (std::is_same_v<T, std::string>) {
      return node.Scalar();
    } else if constexpr (std::is_enum_v<T>) {
      const std::optional<T> value = parse_enum<T>(node.Scalar());
      S2S_CHECK(value.has_value(), "{}: {} must be one of {}, got '{}'", where, path,
                fmt::join(enum_words<T>(), ", "), node.Scalar());
      return *value;
    } else {
      try {
        return node.as<T>();
      } catch (const YAML::Exception&) {
        S2S_FAIL("{}: {} must be {}, got '{}'", where, path, a(expected), node.Scalar());
      }
    }
  }
}

// `text` is the value as the user wrote it, for the message.
template <class T>
void check_rule(const T& value, const std::string& text, const FieldRule& rule,
                const std::string& where, const std::string& path) {
  bool ok = true;
  if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    const double x = static_cast<double>(value);
    if (std::isnan(x)) ok = false;
    if (rule.min && x < *rule.min) ok = false;
    if (rule.max && (rule.max_open ? x >= *rule.max : x > *rule.max)) ok = false;
    S2S_CHECK(ok, "{}: {} must be {}, got {}", where, path, rule_text(rule), text);
  } else if constexpr (std::is_same_v<T, std::string>) {
    S2S_CHECK(!rule.non_empty || !value.empty(), "{}: {} must not be empty", where, path);
    if (!rule.choices.empty())
      ok = std::find(rule.choices.begin(), rule.choices.end(), value) != rule.choices.end();
    S2S_CHECK(ok, "{}: {} must be {}, got '{}'", where, path, rule_text(rule), text);
  }
}

std::string render_scalar(const std::string& s) {
  YAML::Emitter out;
  out << s;
  return out.c_str();
}

template <class T>
std::string render(const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return value ? "true" : "false";
  } else if constexpr (std::is_arithmetic_v<T>) {
    return fmt::format("{}", value);  // shortest text that reads back exactly
  } else if constexpr (std::is_same_v<T, std::string>) {
    return render_scalar(value);
  } else if constexpr (std::is_enum_v<T>) {
    return std::string(name_of(value));
  } else {
    std::vector<std::string> items;
    for (const auto& s : value) items.push_back(render_scalar(s));
    return fmt::format("[{}]", fmt::join(items, ", "));
  }
}

// Collects a section's fields() into ConfigFields bound to the members.
class FieldCollector {
 public:
  explicit FieldCollector(ConfigSection& section) : section_(section) {}

  template <class T>
  void operator()(const char* key, T& member, const char* doc, FieldRule rule) {
    ConfigField f;
    f.section = section_.name;
    f.key = key;
    f.doc = doc;
    f.type = type_name<T>();
    f.rule = rule;
    const std::string path = f.path();
    f.set = [&member, rule, path](const YAML::Node& node, const std::string& where) {
      T value = parse<T>(node, where, path);
      check_rule(value, node.IsScalar() ? node.Scalar() : "a list", rule, where, path);
      member = std::move(value);
    };
    f.render = [&member] { return render(member); };
    // Defaults obey their own rules: a wrong declaration is a bug caught on first use.
    check_rule(member, render(member), rule, "default", path);
    section_.fields.push_back(std::move(f));
  }

 private:
  ConfigSection& section_;
};

class SectionCollector {
 public:
  explicit SectionCollector(std::vector<ConfigSection>& out) : out_(out) {}

  template <class S>
  void operator()(const char* name, S& section, const char* doc) {
    out_.push_back(ConfigSection{name, doc, {}});
    FieldCollector collect(out_.back());
    section.fields(collect);
  }

 private:
  std::vector<ConfigSection>& out_;
};

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

ConfigSchema::ConfigSchema(Config& config) {
  SectionCollector collect(sections_);
  config.sections(collect);
}

const ConfigSection* ConfigSchema::find_section(const std::string& name) const {
  for (const auto& s : sections_)
    if (s.name == name) return &s;
  return nullptr;
}

const ConfigField* ConfigSchema::find(const std::string& section, const std::string& key) const {
  const ConfigSection* s = find_section(section);
  if (!s) return nullptr;
  for (const auto& f : s->fields)
    if (f.key == key) return &f;
  return nullptr;
}

std::string ConfigSchema::nearest(const std::string& section, const std::string& key) const {
  std::string best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  auto consider = [&](const std::string& candidate, const std::string& wanted) {
    const size_t d = edit_distance(candidate, wanted);
    if (d < best_distance) best_distance = d, best = candidate;
  };
  if (key.empty()) {
    for (const auto& s : sections_) consider(s.name, section);
  } else {
    // A key put in the wrong section is found by its exact name first.
    for (const auto& s : sections_)
      for (const auto& f : s.fields)
        if (f.key == key) return f.path();
    for (const auto& s : sections_)
      for (const auto& f : s.fields)
        consider(f.path(), section + "." + key);
  }
  return best;
}

}  // namespace s2s
