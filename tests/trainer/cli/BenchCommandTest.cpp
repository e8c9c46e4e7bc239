// Specification of `s2s bench` as a script uses it: one JSON object whose numbers are
// positive and consistent (tokens/s over pairs/s is the tokens per pair; the FLOPs are
// bench/FLOPS.md's for the shape asked for), and one-line errors for bad flags.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "tests/support/Subprocess.h"
#include "trainer/ModelFlops.h"

namespace s2s {
namespace {

// A tiny model and batch: the run takes a second or two.
std::string tiny(bool json) {
  return test::s2s_binary() + " bench" + (json ? " --json" : "") +
         " --vocab 20 --batch 4 --src-len 5 --tgt-len 6 --fixed-len --threads 1 --steps 3 "
         "--warmup 1 --decode-batches 1 model.embed_dim=8 model.encoder_hidden=8 "
         "model.decoder_hidden=12 model.attention_dim=6 model.readout_dim=5 model.readout=tanh";
}

TEST(BenchCommand, TinyRunPrintsSaneJson) {
  const auto r = test::run_command(tiny(true));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"train_tokens_per_s", "pairs_per_s", "step_ms_median", "mfu",
                          "model_gflops_per_s", "peak_gflops", "peak_rss_mb", "step_cpu_ms_median",
                          "mfu_cpu_time"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_GT(j[key].get<double>(), 0) << key;
  }
  EXPECT_LT(j["mfu"].get<double>(), 1.5);  // a model step cannot beat big GEMMs by far
  EXPECT_GT(j["decode_sentences_per_s"]["greedy"].get<double>(), 0);
  EXPECT_GT(j["decode_sentences_per_s"]["beam5"].get<double>(), 0);
  for (const char* part : {"data", "forward", "backward", "all_reduce", "optimizer"})
    EXPECT_GE(j["step_split_ms"][part].get<double>(), 0) << part;
  EXPECT_GT(j["step_split_ms"]["forward"].get<double>(), 0);
  // Fixed lengths: 6 target tokens per pair, every step.
  EXPECT_NEAR(j["train_tokens_per_s"].get<double>() / j["pairs_per_s"].get<double>(), 6.0, 1e-9);
  EXPECT_LE(j["train_tokens_per_s_min"].get<double>(), j["train_tokens_per_s"].get<double>());
  ModelOptions m;
  m.embed_dim = 8;
  m.encoder_hidden = 8;
  m.decoder_hidden = 12;
  m.attention_dim = 6;
  m.readout_dim = 5;
  m.readout = ReadoutKind::tanh;
  EXPECT_EQ(j["flops_per_step_median"].get<double>(), ModelFlops(m, 20).training_step({4, 5, 6, 20}));
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["device"], "cpu");
}

TEST(BenchCommand, TableForPeople) {
  const auto r = test::run_command(tiny(false));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* row : {"train target tokens/s", "MFU", "decode sentences/s", "peak RSS"})
    EXPECT_NE(r.out.find(row), std::string::npos) << row << " missing from:\n" << r.out;
}

TEST(BenchCommand, BadSizesAreOneLineErrors) {
  const auto r = test::run_command(test::s2s_binary() + " bench --vocab 3 --steps 1");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("s2s: error: --vocab is 3"), std::string::npos) << r.err;
  const auto steps = test::run_command(test::s2s_binary() + " bench --steps 0");
  EXPECT_EQ(steps.exit_code, 1) << steps.err;
  EXPECT_NE(steps.err.find("--steps is 0"), std::string::npos) << steps.err;
}

}  // namespace
}  // namespace s2s
