// Specification of `s2s eval`: its metrics are exactly what `s2s score` gives on the
// outputs of `s2s translate` with the same options (and BLEU/chrF what sacreBLEU gives),
// plus a teacher-forced validation loss over every reference token.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/PythonOracle.h"
#include "tests/support/ScratchDir.h"
#include "tests/support/Subprocess.h"
#include "tests/trainer/cli/EmaCheckpoint.h"
#include "tests/trainer/cli/TinyRun.h"

namespace s2s {
namespace {

TEST(EvalCommand, MetricsEqualScoreOnTranslateOutputAndSacrebleu) {
  const test::TinyRun t = test::tiny_run();
  test::ScratchDir scratch("s2s-eval");
  const std::string options = " --checkpoint " + t.checkpoint + " --beam 3 --length-penalty power --alpha 1";
  const auto eval = test::run_command(test::s2s_binary() + " eval --tsv " + t.pairs + " --json -o " +
                                      scratch / "eval_hyp.txt" + options);
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const auto e = nlohmann::json::parse(eval.out);

  const auto tr = test::run_command(test::s2s_binary() + " translate --input " + t.sources + " --output " +
                                    scratch / "hyp.txt" + options);
  ASSERT_EQ(tr.exit_code, 0) << tr.err;
  EXPECT_EQ(test::read_text(scratch / "hyp.txt"), test::read_text(scratch / "eval_hyp.txt"));
  const auto score = test::run_command(test::s2s_binary() + " score --json --hyp " + scratch / "hyp.txt" +
                                       " --ref " + t.references);
  ASSERT_EQ(score.exit_code, 0) << score.err;
  const auto s = nlohmann::json::parse(score.out);
  for (const char* key : {"segments", "bleu", "chrf", "exact_match", "token_error_rate", "sys_len", "ref_len"})
    EXPECT_EQ(e[key], s[key]) << key;
  EXPECT_EQ(e["segments"], 40);
  EXPECT_EQ(e["beam_size"], 3);
  EXPECT_EQ(e["length_penalty"], "power");
  EXPECT_EQ(e["step"], 300);

  const std::string out = test::run_python(
      "import sacrebleu\n"
      "hyp = open('" + scratch / "hyp.txt" + "', encoding='utf-8').read().split('\\n')[:-1]\n"
      "ref = open('" + t.references + "', encoding='utf-8').read().split('\\n')[:-1]\n"
      "print(sacrebleu.corpus_bleu(hyp, [ref]).score, sacrebleu.corpus_chrf(hyp, [ref]).score)\n",
      scratch.path());
  std::istringstream oracle(out);
  double bleu = -1, chrf = -1;
  ASSERT_TRUE(oracle >> bleu >> chrf) << out;
  EXPECT_NEAR(e["bleu"].get<double>(), bleu, 1e-4);
  EXPECT_NEAR(e["chrf"].get<double>(), chrf, 1e-4);

  // The loss covers every reference token plus </s> (space tokenizer: words + 1), and a
  // trained model beats the uniform distribution over its vocabulary by far.
  int64_t tokens = 0;
  for (const auto& ref : test::read_lines(t.references))
    tokens += std::count(ref.begin(), ref.end(), ' ') + 2;
  EXPECT_EQ(e["loss_tokens"], tokens);
  const double loss = e["loss"].get<double>();
  EXPECT_GT(loss, 0.0);
  EXPECT_LT(loss, 0.5 * std::log(24.0));
  EXPECT_NEAR(e["ppl"].get<double>(), std::exp(loss), 1e-9);
}

TEST(EvalCommand, TablePrintsEveryMetricAndTheLoss) {
  const test::TinyRun t = test::tiny_run();
  const auto r = test::run_command(test::s2s_binary() + " eval --beam 1 --tsv " + t.pairs + " --checkpoint " + t.run);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* row : {"checkpoint", "step 300", "beam 1", "BLEU", "chrF", "exact match", "token error rate",
                          "validation loss"})
    EXPECT_NE(r.out.find(row), std::string::npos) << row << " missing from:\n" << r.out;
}

TEST(EvalCommand, AMalformedTsvIsOneLineNamingTheLine) {
  const test::TinyRun t = test::tiny_run();
  test::ScratchDir scratch("s2s-eval");
  std::ofstream(scratch / "bad.tsv") << "a b\tB A\nno tab here\n";
  const auto r = test::run_command(test::s2s_binary() + " eval --tsv " + scratch / "bad.tsv" + " --checkpoint " + t.checkpoint);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(scratch / "bad.tsv:2"), std::string::npos) << r.err;
}

TEST(EvalCommand, AnEnsembleOfTwoCheckpointsEvaluatesEndToEnd) {
  const test::TinyRun t = test::tiny_run();
  const std::string step200 = t.run + "/checkpoints/ckpt-00000200.h5";
  const std::string eval = test::s2s_binary() + " eval --json --beam 2 --tsv " + t.pairs;
  const auto a = test::run_command(eval + " --checkpoint " + t.checkpoint);
  const auto b = test::run_command(eval + " --checkpoint " + step200);
  const auto ab = test::run_command(eval + " --checkpoint " + t.checkpoint + " --checkpoint " + step200);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  ASSERT_EQ(ab.exit_code, 0) << ab.err;
  const auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out), j = nlohmann::json::parse(ab.out);
  EXPECT_EQ(j["segments"], 40);
  EXPECT_EQ(j["checkpoint"], t.checkpoint + " + " + step200);
  ASSERT_EQ(j["ensemble"].size(), 2u);
  EXPECT_EQ(j["ensemble"][0]["step"], 300);
  EXPECT_EQ(j["ensemble"][1]["step"], 200);
  // The ensemble scores a reference with the mean of its members' log-probabilities.
  EXPECT_NEAR(j["loss"].get<double>(), (ja["loss"].get<double>() + jb["loss"].get<double>()) / 2, 1e-9);
  EXPECT_EQ(j["loss_tokens"], ja["loss_tokens"]);

  const auto table = test::run_command(test::s2s_binary() + " eval --beam 1 --tsv " + t.pairs + " --checkpoint " +
                                       t.checkpoint + " --checkpoint " + step200);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find(t.checkpoint + " (step 300) + " + step200 + " (step 200)"), std::string::npos) << table.out;
}

// The loss (and every metric) is that of the weights loaded: a checkpoint's EMA weights by
// default, its raw ones with --raw-weights, and the JSON says which.
TEST(EvalCommand, EvaluatesTheEmaWeightsOrWithRawWeightsTheRawOnes) {
  const test::TinyRun t = test::tiny_run();
  test::ScratchDir scratch("s2s-eval");
  const std::string ema = test::ema_checkpoint(t, scratch / "ema.h5");  // raw: step 300, EMA: step 100
  const auto eval = [&](const std::string& checkpoint, const std::string& extra) {
    const auto r = test::run_command(test::s2s_binary() + " eval --json --tsv " + t.pairs + " --checkpoint " +
                                     checkpoint + extra);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
  };
  const auto step100 = eval(test::step100_checkpoint(t), ""), step300 = eval(t.checkpoint, "");
  ASSERT_NE(step100["loss"], step300["loss"]);
  const auto with_ema = eval(ema, ""), raw = eval(ema, " --raw-weights");
  EXPECT_EQ(with_ema["loss"], step100["loss"]);
  EXPECT_EQ(with_ema["bleu"], step100["bleu"]);
  EXPECT_EQ(with_ema["weights"], "ema");
  EXPECT_EQ(raw["loss"], step300["loss"]);
  EXPECT_EQ(raw["weights"], "raw");
  EXPECT_EQ(step300["weights"], "raw");  // no EMA weights: the raw ones
}

}  // namespace
}  // namespace s2s
