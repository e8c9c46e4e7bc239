// Specification of `s2s plot curves RUN_DIR [-o OUT]` and `s2s plot attention` as a user
// meets them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/support/ScratchDir.h"
#include "tests/support/Subprocess.h"
#include "tests/trainer/plot/PngCheck.h"
#include "tests/trainer/cli/TinyRun.h"
#include "trainer/plot/AttentionHeatmapPlot.h"

namespace s2s {
namespace {

TEST(PlotCommand, CurvesWritesRunDirCurvesPng) {
  const std::string dir = ::testing::TempDir() + "plot_run";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/metrics.jsonl")
      << "{\"kind\":\"train\",\"step\":1,\"loss\":3.0,\"ppl\":20.1,\"tokens_per_s\":900}\n"
         "{\"kind\":\"train\",\"step\":2,\"loss\":2.5,\"ppl\":12.2,\"tokens_per_s\":950}\n"
         "{\"kind\":\"valid\",\"step\":2,\"loss\":2.7,\"ppl\":14.9,\"tokens\":10}\n";
  std::filesystem::remove(dir + "/curves.png");
  auto r = test::run_command(test::s2s_binary() + " plot curves " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "wrote " + dir + "/curves.png (2 train and 1 validation points)\n");
  const auto size = test::png_size(dir + "/curves.png");
  EXPECT_TRUE(size.valid);
  EXPECT_EQ(size.width, 1000u);
  EXPECT_EQ(size.height, 900u);

  r = test::run_command(test::s2s_binary() + " plot curves " + dir + " -o " + dir +
                        "/small.png --width 640 --height 480");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::png_size(dir + "/small.png").width, 640u);
}

TEST(PlotCommand, MissingRunDirIsAOneLineError) {
  const auto r = test::run_command(test::s2s_binary() + " plot curves /nonexistent/run");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "s2s: error: cannot read /nonexistent/run/metrics.jsonl: pass a run directory "
                   "written by s2s train (it holds metrics.jsonl)\n");
}

TEST(PlotCommand, AttentionDrawsTheChosenLinesAtTheirTokenCounts) {
  const test::TinyRun t = test::tiny_run();
  test::ScratchDir scratch("s2s-plot");
  const auto r = test::run_command(test::s2s_binary() + " plot attention --checkpoint " + t.checkpoint +
                                   " --beam 2 --input " + t.sources + " --lines 1,3 -o " + scratch / "pics");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The token counts as `s2s translate --attention` reports them for the same lines.
  const auto tr = test::run_command(test::s2s_binary() + " translate --checkpoint " + t.checkpoint +
                                    " --beam 2 --input " + t.sources + " --attention " + scratch / "a.jsonl");
  ASSERT_EQ(tr.exit_code, 0) << tr.err;
  const auto records = test::read_lines(scratch / "a.jsonl");
  for (const int line : {1, 3}) {
    const auto j = nlohmann::json::parse(records.at(static_cast<size_t>(line - 1)));
    const std::string png = scratch / ("pics/attention-" + std::to_string(line) + ".png");
    const auto size = test::png_size(png);
    ASSERT_TRUE(size.valid) << png;
    EXPECT_EQ(size.width, AttentionHeatmapPlot::kMarginX + 40 * j["source"].size());
    EXPECT_EQ(size.height, AttentionHeatmapPlot::kMarginY + 40 * j["output"].size());
    EXPECT_EQ(test::decode_png(png), std::to_string(size.width) + " " + std::to_string(size.height) + "\n") << png;
  }
  EXPECT_FALSE(std::filesystem::exists(scratch / "pics/attention-2.png"));

  const auto bad = test::run_command(test::s2s_binary() + " plot attention --checkpoint " + t.checkpoint +
                                     " --input " + t.sources + " --lines 41 -o " + scratch / "pics");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("has 40 lines, there is no line 41"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace s2s
