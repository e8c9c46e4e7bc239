// Specification of `s2s average` as a user runs it on a trained run: the last N checkpoints
// or the files given, averaged (float64 mean, checked with h5py) into one checkpoint that
// `s2s eval` and `s2s translate` take and `s2s train --fine-tune` trains on, while `--resume`
// refuses it; every bad input is one line and writes nothing.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

#include "tests/support/PythonOracle.h"
#include "tests/support/ScratchDir.h"
#include "tests/support/Subprocess.h"
#include "tests/trainer/cli/EmaCheckpoint.h"
#include "tests/trainer/cli/TinyRun.h"

namespace s2s {
namespace {

namespace fs = std::filesystem;

std::string ckpt(const test::TinyRun& t, int step) {
  return t.run + "/checkpoints/ckpt-00000" + std::to_string(step) + ".h5";
}

void expect_one_line_error(const test::CommandResult& r, const std::vector<std::string>& parts) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto line = r.err.find("s2s: error: ");
  ASSERT_NE(line, std::string::npos) << r.err;
  const std::string message = r.err.substr(line);
  EXPECT_EQ(message.find('\n'), message.size() - 1) << "one line: " << message;
  for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << part << " not in: " << message;
}

TEST(AverageCommand, TheLastCheckpointsOfARunAverageIntoACheckpointThatEvalTakes) {
  const test::TinyRun t = test::tiny_run();
  test::ScratchDir scratch("s2s-average");
  const std::string out = scratch / "avg.h5";
  const auto r = test::run_command(test::s2s_binary() + " average --last 3 " + t.run + " -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("wrote " + out + ": the average of 3 checkpoints"), std::string::npos) << r.err;

  const std::string script = R"(
import h5py, numpy as np
sources = [")" + ckpt(t, 100) + R"(", ")" + ckpt(t, 200) + R"(", ")" + ckpt(t, 300) + R"("]
with h5py.File(")" + out + R"(", "r") as f:
    names = f.attrs["tensors"].split("\n")
    same = True
    for n in names:
        acc = sum(h5py.File(s, "r")[n][()].astype(np.float64) for s in sources)
        same &= np.array_equal(f[n][()], (acc / 3).astype(np.float32))
    print(same, all(n.startswith("model/") for n in names), len(names) > 10)
    print(f.attrs["step"], [int(f.attrs[f"averaged_{i}_step"]) for i in range(f.attrs["averaged_count"])])
    print([k for k in f.attrs if k.startswith("metric.")])
)";
  EXPECT_EQ(test::run_python(script, scratch.path()), "True True True\n300 [100, 200, 300]\n[]\n");

  const auto eval = test::run_command(test::s2s_binary() + " eval --json --beam 2 --tsv " + t.pairs + " --checkpoint " + out);
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const auto e = nlohmann::json::parse(eval.out);
  EXPECT_EQ(e["checkpoint"], out);
  EXPECT_EQ(e["segments"], 40);
  EXPECT_TRUE(std::isfinite(e["loss"].get<double>()));
  const auto tr = test::run_command(test::s2s_binary() + " translate --checkpoint " + out + " --input " + t.sources);
  ASSERT_EQ(tr.exit_code, 0) << tr.err;
  EXPECT_EQ(std::count(tr.out.begin(), tr.out.end(), '\n'), 40);
}

TEST(AverageCommand, ExplicitFilesAndOneFile) {
  const test::TinyRun t = test::tiny_run();
  test::ScratchDir scratch("s2s-average");
  const auto two = test::run_command(test::s2s_binary() + " average " + ckpt(t, 200) + " " + ckpt(t, 300) + " -o " +
                                     scratch / "two.h5");
  ASSERT_EQ(two.exit_code, 0) << two.err;
  const auto one = test::run_command(test::s2s_binary() + " average " + ckpt(t, 300) + " -o " + scratch / "one.h5");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const std::string script = R"(
import h5py, numpy as np
with h5py.File(")" + scratch / "two.h5" + R"(", "r") as f:
    print(f.attrs["averaged_count"], f.attrs["averaged_0_file"] == ")" + ckpt(t, 200) + R"(")
with h5py.File(")" + scratch / "one.h5" + R"(", "r") as f, h5py.File(")" + ckpt(t, 300) + R"(", "r") as s:
    print(all(np.array_equal(f[n][()], s[n][()]) for n in f.attrs["tensors"].split("\n")))
)";
  EXPECT_EQ(test::run_python(script, scratch.path()), "2 True\nTrue\n");
  // The same weights translate the same way.
  const auto a = test::run_command(test::s2s_binary() + " translate --beam 2 --nbest 2 --checkpoint " + scratch / "one.h5" +
                                   " --input " + t.sources);
  const auto b = test::run_command(test::s2s_binary() + " translate --beam 2 --nbest 2 --checkpoint " + ckpt(t, 300) +
                                   " --input " + t.sources);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
}

// A checkpoint with EMA weights contributes them (what it decodes with); --raw-weights its
// raw ones. An average of one file is those weights exactly, as model/, without ema/.
TEST(AverageCommand, AveragesTheEmaWeightsOfCheckpointsThatHaveThemOrWithRawWeightsTheRawOnes) {
  const test::TinyRun t = test::tiny_run();
  test::ScratchDir scratch("s2s-average");
  const std::string ema = test::ema_checkpoint(t, scratch / "ema.h5");  // raw: step 300, EMA: step 100
  const std::string average = test::s2s_binary() + " average " + ema;
  ASSERT_EQ(test::run_command(average + " -o " + scratch / "of_ema.h5").exit_code, 0);
  ASSERT_EQ(test::run_command(average + " --raw-weights -o " + scratch / "of_raw.h5").exit_code, 0);
  const std::string script = R"(
import h5py, numpy as np
def same_model(a, b):
    with h5py.File(a, "r") as f, h5py.File(b, "r") as g:
        names = [n for n in f.attrs["tensors"].split("\n") if n.startswith("model/")]
        return len(names) > 5 and all(np.array_equal(f[n][()], g[n][()]) for n in names)
for out, source in ((")" + scratch / "of_ema.h5" + R"(", ")" + test::step100_checkpoint(t) + R"("),
                    (")" + scratch / "of_raw.h5" + R"(", ")" + t.checkpoint + R"(")):
    with h5py.File(out, "r") as f:
        print(f.attrs["averaged_0_weights"], any(n.startswith("ema/") for n in f.attrs["tensors"].split("\n")),
              same_model(out, source))
)";
  EXPECT_EQ(test::run_python(script, scratch.path()), "ema False True\nraw False True\n");
  const std::string damaged = test::ema_checkpoint(t, scratch / "damaged.h5", "ema/decoder.output.bias");
  expect_one_line_error(test::run_command(test::s2s_binary() + " average " + damaged + " -o " + scratch / "x.h5"),
                        {damaged + " holds EMA weights but no 'ema/decoder.output.bias'", "--raw-weights"});
  EXPECT_FALSE(fs::exists(scratch / "x.h5"));
}

TEST(AverageCommand, BadInputIsOneLineAndWritesNothing) {
  const test::TinyRun t = test::tiny_run();
  test::ScratchDir scratch("s2s-average");
  const std::string out = scratch / "avg.h5";
  const std::string average = test::s2s_binary() + " average ";
  expect_one_line_error(test::run_command(average + "--last 9 " + t.run + " -o " + out),
                        {"cannot average the last 9 checkpoints of " + t.run, "3 valid ones", "steps 100, 200, 300"});
  expect_one_line_error(test::run_command(average + t.run + " -o " + out), {t.run + " is a directory", "--last"});
  expect_one_line_error(test::run_command(average + ckpt(t, 300) + " " + scratch / "missing.h5" + " -o " + out),
                        {scratch / "missing.h5", "missing"});
  expect_one_line_error(test::run_command(average + ckpt(t, 300) + " " + ckpt(t, 300) + " -o " + out), {"listed twice"});
  expect_one_line_error(test::run_command(average + ckpt(t, 300) + " -o " + scratch / "no/dir/avg.h5"),
                        {"does not exist"});
  // Another vocabulary (a copy whose recorded target vocabulary hash was changed with h5py).
  const std::string other = scratch / "other.h5";
  test::run_python("import h5py, shutil\nshutil.copy('" + ckpt(t, 300) + "', '" + other + "')\n"
                   "with h5py.File('" + other + "', 'r+') as f:\n    f.attrs['vocab_hash.tgt'] = '0' * 64\n",
                   scratch.path());
  expect_one_line_error(test::run_command(average + ckpt(t, 200) + " " + other + " -o " + out),
                        {ckpt(t, 200), other, "tgt vocabularies differ"});
  EXPECT_FALSE(fs::exists(out));
  for (const auto& entry : fs::directory_iterator(scratch.path()))
    EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << entry.path();
}

TEST(AverageCommand, TrainFineTunesAnAverageAndRefusesToResumeIt) {
  const test::TinyRun t = test::tiny_run();
  test::ScratchDir scratch("s2s-average");
  const std::string out = scratch / "avg.h5";
  ASSERT_EQ(test::run_command(test::s2s_binary() + " average --last 2 " + t.run + " -o " + out).exit_code, 0);
  const std::string train = test::s2s_binary() + " train data.dir=" + t.corpus +
                            " model.embed_dim=16 model.encoder_hidden=24 model.decoder_hidden=32 model.attention_dim=16"
                            " model.readout_dim=16 run.threads=1 train.max_epochs=0 train.max_steps=2"
                            " train.validate_every=0 run.dir=";
  const auto resumed = test::run_command(train + scratch / "resumed" + " --resume " + out);
  expect_one_line_error(resumed, {out + " is an average of 2 checkpoint(s)", "no optimizer state", "--fine-tune " + out});
  const auto tuned = test::run_command(train + scratch / "tuned" + " --fine-tune " + out);
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  EXPECT_NE(tuned.err.find("fine-tuning from the weights of " + out), std::string::npos) << tuned.err;
  EXPECT_TRUE(fs::exists(scratch / "tuned/checkpoints/ckpt-00000002.h5"));
}

}  // namespace
}  // namespace s2s
