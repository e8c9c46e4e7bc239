// Specification of the config dump: it reads back to the same values, and
// configs/reference.yaml is exactly the dump of the defaults (so it lists every key).
#include <gtest/gtest.h>

#include <string>

#include "tests/support/Subprocess.h"
#include "trainer/config/ConfigLoader.h"
#include "trainer/config/ConfigWriter.h"

namespace s2s {
namespace {

TEST(ConfigWriter, ReferenceYamlIsTheDumpOfTheDefaults) {
  const std::string reference =
      test::read_text(std::string(S2S_SOURCE_DIR) + "/configs/reference.yaml");
  ASSERT_FALSE(reference.empty()) << "configs/reference.yaml is missing";
  EXPECT_EQ(reference, ConfigWriter::to_yaml(Config{}))
      << "configs/reference.yaml is out of step with the declarations; regenerate it with\n"
         "  build/s2s config --dump > configs/reference.yaml";
}

TEST(ConfigWriter, DumpReadsBackToTheSameValues) {
  Config c;
  ConfigLoader::apply_override(c, "model.cell=lstm");
  ConfigLoader::apply_override(c, "model.dropout=0.25");
  ConfigLoader::apply_override(c, "run.dir=runs/with space: and colon");
  ConfigLoader::apply_override(c, "run.seed=123456789012");
  const std::string text = ConfigWriter::to_yaml(c);

  Config back;
  ConfigLoader::apply_yaml(back, text, "dump.yaml");
  EXPECT_EQ(back.model.cell, CellKind::lstm);
  EXPECT_DOUBLE_EQ(back.model.dropout, 0.25);
  EXPECT_EQ(back.run.dir, "runs/with space: and colon");
  EXPECT_EQ(back.run.seed, 123456789012);
  EXPECT_EQ(ConfigWriter::to_yaml(back), text);
}

}  // namespace
}  // namespace s2s
