#include "trainer/config/ConfigWriter.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "trainer/config/ConfigSchema.h"

namespace s2s {
namespace {

std::string accepted(const ConfigField& f) {
  const FieldRule& r = f.rule;
  if (!r.choices.empty()) return fmt::format("{}", fmt::join(r.choices, " | "));
  if (r.min && r.max) return fmt::format("{} in [{}, {}{}", f.type, *r.min, *r.max, r.max_open ? ")" : "]");
  if (r.min) return fmt::format("{} >= {}", f.type, *r.min);
  return f.type;
}

}  // namespace

std::string ConfigWriter::to_yaml(Config config) {
  ConfigSchema schema(config);
  std::string out =
      "# s2s configuration: every key with its value. Keys left out of a config file keep\n"
      "# the defaults shown in configs/reference.yaml (`s2s config --dump` regenerates it).\n";
  out += fmt::format("version: {}\n", Config::kFormatVersion);
  for (const auto& section : schema.sections()) {
    out += fmt::format("\n# {}\n{}:\n", section.doc, section.name);
    for (const auto& f : section.fields) {
      out += fmt::format("  # {} ({})\n", f.doc, accepted(f));
      out += fmt::format("  {}: {}\n", f.key, f.render());
    }
  }
  return out;
}

}  // namespace s2s
