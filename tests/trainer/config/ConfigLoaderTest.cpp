// Specification of config loading: defaults < file < overrides, and one-line errors that
// name the file, line and column, the key, and the nearest valid key.
#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <string>

#include "core/Error.h"
#include "trainer/config/ConfigLoader.h"
#include "trainer/config/ConfigSchema.h"

namespace s2s {
namespace {

// Runs `fn`, expects an s2s::Error whose one-line message contains every fragment.
void expect_error(const std::function<void()>& fn, std::initializer_list<std::string> fragments) {
  try {
    fn();
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
    for (const auto& f : fragments)
      EXPECT_NE(message.find(f), std::string::npos) << "'" << f << "' missing in: " << message;
    return;
  }
  ADD_FAILURE() << "no s2s::Error thrown";
}

Config from_yaml(const std::string& text) {
  Config c;
  ConfigLoader::apply_yaml(c, text, "test.yaml");
  ConfigLoader::validate(c);
  return c;
}

TEST(ConfigLoader, EmptyDocumentKeepsDefaults) {
  const Config c = from_yaml("");
  EXPECT_EQ(c.model.cell, ModelOptions{}.cell);
  EXPECT_EQ(c.run.seed, RunOptions{}.seed);
}

TEST(ConfigLoader, FileValuesReplaceDefaultsOfTheirKeysOnly) {
  const Config c = from_yaml("model:\n  cell: lstm\n  dropout: 0.3\n  tie_embeddings: yes\n");
  EXPECT_EQ(c.model.cell, CellKind::lstm);
  EXPECT_DOUBLE_EQ(c.model.dropout, 0.3);
  EXPECT_TRUE(c.model.tie_embeddings);
  EXPECT_EQ(c.model.embed_dim, ModelOptions{}.embed_dim);
}

TEST(ConfigLoader, UnknownKeyNamesFileLineAndNearestKey) {
  expect_error([] { from_yaml("model:\n  embd_dim: 3\n"); },
               {"test.yaml:2:3", "unknown key 'model.embd_dim'", "did you mean 'model.embed_dim'"});
}

TEST(ConfigLoader, KeyInTheWrongSectionSuggestsTheRightOne) {
  expect_error([] { from_yaml("run:\n  cell: gru\n"); },
               {"test.yaml:2:3", "unknown key 'run.cell'", "did you mean 'model.cell'"});
}

TEST(ConfigLoader, UnknownSectionSuggestsNearest) {
  expect_error([] { from_yaml("modle:\n  cell: gru\n"); },
               {"test.yaml:1:1", "unknown section 'modle'", "did you mean 'model'"});
}

TEST(ConfigLoader, WrongTypeNamesFileLineAndExpectedType) {
  expect_error([] { from_yaml("model:\n  embed_dim: abc\n"); },
               {"test.yaml:2:14", "model.embed_dim must be an integer", "'abc'"});
  expect_error([] { from_yaml("model:\n  embed_dim: 2.5\n"); }, {"must be an integer"});
  expect_error([] { from_yaml("model:\n  dropout: lots\n"); }, {"model.dropout must be a number"});
  expect_error([] { from_yaml("model:\n  tie_embeddings: maybe\n"); },
               {"model.tie_embeddings must be a boolean"});
  expect_error([] { from_yaml("model:\n  cell: [gru]\n"); }, {"model.cell must be a string"});
}

TEST(ConfigLoader, OutOfRangeNamesTheAcceptedRange) {
  expect_error([] { from_yaml("model:\n  dropout: 1.0\n"); },
               {"test.yaml:2:12", "model.dropout must be in [0, 1)", "got 1.0"});
  expect_error([] { from_yaml("model:\n  embed_dim: 0\n"); }, {"model.embed_dim must be >= 1"});
  expect_error([] { from_yaml("model:\n  cell: rnn\n"); },
               {"model.cell must be one of gru, lstm", "'rnn'"});
}

TEST(ConfigLoader, DuplicateKeysAndEmptyValuesAreRefused) {
  expect_error([] { from_yaml("model:\n  cell: gru\n  cell: lstm\n"); },
               {"test.yaml:3:3", "'model.cell' appears twice"});
  expect_error([] { from_yaml("model:\n  cell:\n"); }, {"'model.cell' has no value"});
}

TEST(ConfigLoader, SyntaxErrorNamesLine) {
  expect_error([] { from_yaml("model:\n  cell: [gru\n"); }, {"test.yaml:3", "YAML syntax error"});
}

TEST(ConfigLoader, FormatVersionIsChecked) {
  EXPECT_NO_THROW(from_yaml("version: 1\n"));
  expect_error([] { from_yaml("version: 2\n"); }, {"config format version 2 is not supported"});
}

TEST(ConfigLoader, OverridesApplyAfterTheFileAndAreTyped) {
  Config c = from_yaml("model:\n  cell: lstm\n  embed_dim: 8\n");
  ConfigLoader::apply_override(c, "model.embed_dim=16");
  ConfigLoader::apply_override(c, "run.dir=runs/x");
  ConfigLoader::apply_override(c, "model.tie_embeddings=true");
  EXPECT_EQ(c.model.embed_dim, 16);
  EXPECT_EQ(c.model.cell, CellKind::lstm);
  EXPECT_EQ(c.run.dir, "runs/x");
  EXPECT_TRUE(c.model.tie_embeddings);
}

TEST(ConfigLoader, BadOverridesAreRefusedWithTheNearestKey) {
  Config c;
  expect_error([&] { ConfigLoader::apply_override(c, "model.embeddim=16"); },
               {"override 'model.embeddim=16'", "did you mean 'model.embed_dim'"});
  expect_error([&] { ConfigLoader::apply_override(c, "model.embed_dim=big"); },
               {"override 'model.embed_dim=big'", "must be an integer"});
  expect_error([&] { ConfigLoader::apply_override(c, "embed_dim=16"); }, {"section.key=value"});
  expect_error([&] { ConfigLoader::apply_override(c, "run.dir="); }, {"run.dir must not be empty"});
}

TEST(ConfigLoader, MissingFileIsAClearError) {
  expect_error([] { ConfigLoader::load("/nonexistent/s2s.yaml"); },
               {"config file '/nonexistent/s2s.yaml' cannot be read"});
}

TEST(ConfigSchema, EveryKeyHasADocAndAValidDefault) {
  Config c;
  ConfigSchema schema(c);  // construction checks every default against its rule
  ASSERT_FALSE(schema.sections().empty());
  for (const auto& section : schema.sections()) {
    EXPECT_FALSE(section.doc.empty()) << section.name;
    for (const auto& f : section.fields) {
      EXPECT_FALSE(f.doc.empty()) << f.path();
      EXPECT_EQ(f.doc.find('\n'), std::string::npos) << f.path() << ": doc must be one line";
      EXPECT_EQ(schema.find(f.section, f.key), &f) << f.path() << " is declared twice";
    }
  }
}

}  // namespace
}  // namespace s2s
