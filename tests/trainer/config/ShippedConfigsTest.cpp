// Specification of the ready configs in configs/: every file there resolves through the real
// loader (ConfigLoader::load, what `s2s train --config` and `s2s config --dump` use) and opens
// with a comment that says what it is for, so a new file is covered as soon as it is added.
// The paper's config has the paper's sizes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/Error.h"
#include "trainer/config/ConfigLoader.h"

namespace s2s {
namespace {

namespace fs = std::filesystem;

const std::string kConfigs = std::string(S2S_SOURCE_DIR) + "/configs";

std::vector<std::string> config_files() {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(kConfigs))
    if (entry.is_regular_file() && entry.path().extension() != ".md") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ShippedConfigs, EveryFileInConfigsResolvesAndSaysWhatItIsFor) {
  const std::vector<std::string> files = config_files();
  ASSERT_NE(std::find(files.begin(), files.end(), kConfigs + "/smoke.yaml"), files.end());
  for (const std::string& file : files) {
    try {
      ConfigLoader::load(file);
    } catch (const Error& e) {
      ADD_FAILURE() << file << " does not resolve: " << e.what();
    }
    std::ifstream in(file);
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first.rfind("# ", 0), 0u) << file << " does not open with a comment saying what it is for";
  }
}

TEST(ShippedConfigs, RnnsearchPaperHasThePapersSizes) {
  const Config c = ConfigLoader::load(kConfigs + "/rnnsearch-paper.yaml");
  EXPECT_EQ(c.model.cell, CellKind::gru);
  EXPECT_EQ(c.model.embed_dim, 620);
  EXPECT_EQ(c.model.encoder_hidden, 1000);
  EXPECT_EQ(c.model.decoder_hidden, 1000);
  EXPECT_EQ(c.model.attention_dim, 1000);
  EXPECT_EQ(c.model.readout, ReadoutKind::maxout);
  EXPECT_EQ(c.model.readout_dim, 500);
  EXPECT_EQ(c.data.max_source_length, 50);
  EXPECT_EQ(c.data.max_target_length, 50);
}

}  // namespace
}  // namespace s2s
