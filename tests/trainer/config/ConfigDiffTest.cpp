// ConfigDiff: the keys that changed between a checkpoint's recorded config and the current
// one, with the shape keys (which make a checkpoint unusable) told apart from the others.
#include <gtest/gtest.h>

#include "core/Error.h"
#include "trainer/config/ConfigDiff.h"
#include "trainer/config/ConfigLoader.h"
#include "trainer/config/ConfigWriter.h"

namespace s2s {
namespace {

TEST(ConfigDiff, TheSameConfigHasNoChanges) {
  const Config config = ConfigLoader::load("", {"model.encoder_hidden=32", "train.lr=0.01"});
  EXPECT_TRUE(ConfigDiff::between(ConfigWriter::to_yaml(config), config, "ckpt.h5").empty());
}

TEST(ConfigDiff, ListsEachChangedKeyAndMarksTheShapeOnes) {
  const Config saved = ConfigLoader::load("", {"model.encoder_hidden=16", "train.max_steps=12"});
  const Config now = ConfigLoader::load(
      "", {"model.encoder_hidden=32", "train.max_steps=24", "model.dropout=0.3", "model.cell=lstm"});
  const auto changes = ConfigDiff::between(ConfigWriter::to_yaml(saved), now, "ckpt.h5");
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].key, "model.cell");
  EXPECT_TRUE(changes[0].shape);
  EXPECT_EQ(changes[1].key, "model.encoder_hidden");
  EXPECT_EQ(changes[1].saved, "16");
  EXPECT_EQ(changes[1].current, "32");
  EXPECT_TRUE(changes[1].shape);
  EXPECT_EQ(changes[2].key, "model.dropout");
  EXPECT_FALSE(changes[2].shape);
  EXPECT_EQ(changes[3].key, "train.max_steps");
  EXPECT_FALSE(changes[3].shape);
  EXPECT_EQ(ConfigDiff::describe({changes[1], changes[3]}),
            "model.encoder_hidden 16 -> 32, train.max_steps 12 -> 24");
}

TEST(ConfigDiff, KeysTheSavedConfigLacksCountAsUnchanged) {
  const Config now = ConfigLoader::load("", {"model.decoder_hidden=64"});
  EXPECT_TRUE(ConfigDiff::between("model:\n  decoder_hidden: 64\n", now, "old.h5").empty());
  const auto changes = ConfigDiff::between("model:\n  decoder_hidden: 64\n  readout: tanh\n", now, "old.h5");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].key, "model.readout");
}

TEST(ConfigDiff, ShapeKeysAreTheSizesLayersCellReadoutAndTying) {
  for (const char* key : {"model.cell", "model.embed_dim", "model.encoder_hidden", "model.encoder_layers",
                          "model.decoder_hidden", "model.decoder_layers", "model.attention_dim",
                          "model.readout", "model.readout_dim", "model.tie_embeddings"})
    EXPECT_TRUE(ConfigDiff::is_shape_key(key)) << key;
  for (const char* key : {"model.dropout", "model.label_smoothing", "train.lr", "train.max_steps",
                          "data.max_tokens", "run.seed", "checkpoint.every_steps"})
    EXPECT_FALSE(ConfigDiff::is_shape_key(key)) << key;
}

TEST(ConfigDiff, ARecordedConfigThatIsNotYamlNamesTheFile) {
  const Config now;
  try {
    ConfigDiff::between("model: [unclosed", now, "runs/x/checkpoints/ckpt-00000010.h5");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("runs/x/checkpoints/ckpt-00000010.h5"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace s2s
