// Specification of `s2s plot curves RUN_DIR [-o OUT]` as a user meets it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../../support/Subprocess.h"
#include "../plot/PngCheck.h"

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

}  // namespace
}  // namespace s2s
