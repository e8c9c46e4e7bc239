// Specification of TrainingCurvePlot: reads a run's metrics.jsonl, draws a PNG of the
// requested size that decodes, and reports bad metrics files clearly.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "tests/support/Subprocess.h"
#include "tests/trainer/plot/PngCheck.h"
#include "core/Error.h"
#include "trainer/plot/TrainingCurvePlot.h"

namespace s2s {
namespace {

using test::write_temp;

std::string metrics_log(int steps) {
  std::string s;
  for (int step = 10; step <= steps; step += 10) {
    const double loss = 5.0 / (1 + step / 50.0);
    s += "{\"kind\":\"train\",\"step\":" + std::to_string(step) + ",\"epoch\":1,\"loss\":" +
         std::to_string(loss) + ",\"ppl\":" + std::to_string(std::exp(loss)) +
         ",\"tokens_per_s\":" + std::to_string(1000 + step) + ",\"lr\":0.001}\n";
    if (step % 50 == 0)
      s += "{\"kind\":\"valid\",\"step\":" + std::to_string(step) + ",\"loss\":" +
           std::to_string(loss + 0.2) + ",\"ppl\":" + std::to_string(std::exp(loss + 0.2)) +
           ",\"tokens\":1234}\n";
  }
  return s + "{\"kind\":\"checkpoint\",\"step\":200}\n";  // other kinds are ignored
}

TEST(TrainingCurvePlot, ReadsTrainAndValidRecords) {
  const TrainingCurvePlot plot(write_temp("curves_metrics.jsonl", metrics_log(200)));
  EXPECT_EQ(plot.train().size(), 20u);
  EXPECT_EQ(plot.valid().size(), 4u);
  EXPECT_EQ(plot.train()[0].step, 10);
  EXPECT_DOUBLE_EQ(plot.train()[0].tokens_per_s, 1010);
}

TEST(TrainingCurvePlot, WritesAPngOfTheRequestedSizeThatDecodes) {
  const TrainingCurvePlot plot(write_temp("curves_metrics2.jsonl", metrics_log(300)));
  const std::string png = ::testing::TempDir() + "curves_test.png";
  plot.write_png(png, 800, 600);
  const auto size = test::png_size(png);
  ASSERT_TRUE(size.valid);
  EXPECT_EQ(size.width, 800u);
  EXPECT_EQ(size.height, 600u);
  EXPECT_EQ(test::decode_png(png), "800 600\n");
}

TEST(TrainingCurvePlot, DecodedValidationScoresGetTheirOwnPanel) {
  const std::string log = metrics_log(100) +
                          "{\"kind\":\"valid\",\"step\":150,\"loss\":1.5,\"ppl\":4.5,\"tokens\":9,"
                          "\"bleu\":31.5,\"chrf\":55.25,\"exact_match\":12.5,\"token_error_rate\":40}\n"
                          "{\"kind\":\"valid\",\"step\":200,\"loss\":1.2,\"ppl\":3.3,\"tokens\":9,"
                          "\"bleu\":40,\"chrf\":60,\"exact_match\":20,\"token_error_rate\":30}\n";
  const TrainingCurvePlot plot(write_temp("curves_metrics_scores.jsonl", log));
  ASSERT_EQ(plot.valid().size(), 4u);
  EXPECT_TRUE(std::isnan(plot.valid()[0].bleu));  // a loss-only validation
  EXPECT_DOUBLE_EQ(plot.valid()[2].bleu, 31.5);
  EXPECT_DOUBLE_EQ(plot.valid()[2].chrf, 55.25);
  EXPECT_DOUBLE_EQ(plot.valid()[3].exact_match, 20);
  EXPECT_TRUE(plot.has_scores());
  EXPECT_FALSE(TrainingCurvePlot(write_temp("curves_metrics_noscores.jsonl", metrics_log(100))).has_scores());
  const std::string png = ::testing::TempDir() + "curves_scores.png";
  plot.write_png(png, 700, 900);
  EXPECT_EQ(test::decode_png(png), "700 900\n");
}

TEST(TrainingCurvePlot, BadMetricsFilesAreClearErrors) {
  const auto message = [](const std::string& path) {
    try {
      TrainingCurvePlot{path};
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("/nonexistent/metrics.jsonl"),
            "cannot read /nonexistent/metrics.jsonl: pass a run directory written by s2s train "
            "(it holds metrics.jsonl)");
  const auto garbage = write_temp("curves_bad.jsonl", metrics_log(20) + "{\"kind\":\"train\",oops\n");
  EXPECT_EQ(message(garbage), garbage + ":4: not a JSON object; metrics.jsonl holds one JSON record per line");
  const auto missing = write_temp("curves_missing.jsonl", "{\"kind\":\"train\",\"step\":1,\"loss\":2}\n");
  EXPECT_EQ(message(missing), missing + ":1: record has no numeric \"ppl\": is this a metrics.jsonl "
                                        "written by s2s train?");
  const auto empty = write_temp("curves_empty.jsonl", "");
  EXPECT_NE(message(empty).find("has no training records"), std::string::npos);
}

TEST(TrainingCurvePlot, MissingGnuplotIsAClearError) {
  const TrainingCurvePlot plot(write_temp("curves_metrics3.jsonl", metrics_log(30)));
  setenv("S2S_GNUPLOT", "/nonexistent/gnuplot", 1);
  try {
    plot.write_png(::testing::TempDir() + "never.png");
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("install gnuplot"), std::string::npos) << e.what();
  }
  unsetenv("S2S_GNUPLOT");
}

TEST(TrainingCurvePlot, GnuplotFailureIsReported) {
  const TrainingCurvePlot plot(write_temp("curves_metrics4.jsonl", metrics_log(30)));
  // An output directory that does not exist: gnuplot itself fails.
  try {
    plot.write_png("/nonexistent/dir/curves.png");
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("gnuplot failed drawing /nonexistent/dir/curves.png"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace s2s
