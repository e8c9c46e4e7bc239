// `s2s config --dump [FILE] [section.key=value ...]`: prints the fully resolved config.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/Check.h"
#include "trainer/config/ConfigLoader.h"
#include "trainer/config/ConfigWriter.h"
#include "trainer/cli/Commands.h"

namespace s2s::cli {

namespace {
struct ConfigArgs {
  bool dump = false;
  std::vector<std::string> positional;  // [FILE] then overrides (anything with '=')
};
}  // namespace

void add_config_command(CLI::App& app) {
  auto args = std::make_shared<ConfigArgs>();
  CLI::App* cmd = app.add_subcommand(
      "config", "Resolve a config (defaults < FILE < section.key=value overrides) and print it");
  cmd->add_flag("--dump", args->dump, "print every key of the resolved config as YAML");
  cmd->add_option("args", args->positional, "[FILE] [section.key=value ...]");
  cmd->callback([args] {
    S2S_CHECK(args->dump, "s2s config: nothing to do; use --dump to print the resolved config");
    std::string file;
    std::vector<std::string> overrides;
    for (const auto& a : args->positional) {
      if (a.find('=') != std::string::npos) {
        overrides.push_back(a);
      } else {
        S2S_CHECK(file.empty(), "s2s config: more than one config file given ('{}' and '{}')",
                  file, a);
        file = a;
      }
    }
    const Config config = ConfigLoader::load(file, overrides);
    std::fputs(ConfigWriter::to_yaml(config).c_str(), stdout);
  });
}

}  // namespace s2s::cli
