// Specification of AttentionHeatmapPlot: a PNG of the size the token counts give, that
// decodes, with tokens that would be gnuplot markup or break its quoting.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "tests/trainer/plot/PngCheck.h"
#include "core/Error.h"
#include "trainer/plot/AttentionHeatmapPlot.h"
#include "trainer/plot/Gnuplot.h"

namespace s2s {
namespace {

TEST(AttentionHeatmapPlot, WritesAPngSizedByTheTokensThatDecodes) {
  torch::set_num_threads(1);
  const std::vector<std::string> src = {"l'", "accord", "sur", "la", "zone", "\xC3\xA9" "conomique",
                                        "_x^2_", "{a}", "it's", "\"q\"", "back\\slash", "@", "</s>"};
  // Quotes, '%' (tic labels are formats) and backquotes (gnuplot runs `...` in the shell).
  const std::string marker = ::testing::TempDir() + "s2s_heatmap_backquote_ran";
  std::filesystem::remove(marker);
  const std::vector<std::string> out = {"the", "agreement", "'quote'", "50%", "`touch " + marker + "`",
                                        "European", "</s>"};
  const auto weights = torch::softmax(torch::randn({7, 13}), 1);
  const std::string png = ::testing::TempDir() + "heatmap_test.png";
  AttentionHeatmapPlot::write(src, out, weights, png, 30);
  const auto size = test::png_size(png);
  ASSERT_TRUE(size.valid);
  EXPECT_EQ(size.width, static_cast<uint32_t>(AttentionHeatmapPlot::kMarginX + 30 * 13));
  EXPECT_EQ(size.height, static_cast<uint32_t>(AttentionHeatmapPlot::kMarginY + 30 * 7));
  EXPECT_EQ(test::decode_png(png), std::to_string(size.width) + " " + std::to_string(size.height) + "\n");
  EXPECT_FALSE(std::filesystem::exists(marker)) << "a token was run as a shell command";
}

TEST(AttentionHeatmapPlot, LabelsAndPathsAreInertGnuplotStrings) {
  EXPECT_EQ(Gnuplot::quote("it's a \"b\" `c`"), "\"it\\047s a \\042b\\042 \\140c\\140\"");
  EXPECT_EQ(Gnuplot::label("50%"), "\"\\065\\060%%\"");
  EXPECT_EQ(Gnuplot::quote("/tmp/a-6"), "\"\\057tmp\\057a\\055\\066\"");  // no "\0556"
  EXPECT_EQ(Gnuplot::quote("caf\xC3\xA9\n"), "\"caf\xC3\xA9 \"");
}

TEST(AttentionHeatmapPlot, ShapeMismatchIsAnError) {
  const auto weights = torch::ones({2, 3});
  EXPECT_THROW(AttentionHeatmapPlot::write({"a", "b"}, {"x", "y"}, weights, "/tmp/x.png"), Error);
  EXPECT_THROW(AttentionHeatmapPlot::write({}, {}, torch::ones({0, 0}), "/tmp/x.png"), Error);
}

}  // namespace
}  // namespace s2s
