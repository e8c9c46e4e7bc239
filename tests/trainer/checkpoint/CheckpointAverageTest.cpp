// Specification of checkpoint averaging (CheckpointAverage, CheckpointStore::write_file):
// the averaged parameters equal h5py/numpy's float64 mean of the sources' (bit for bit);
// the file holds no optimizer state and no metrics but a record of its sources; averaging
// one checkpoint returns its weights; a resume refuses an average; sources of different
// shapes or vocabularies, missing or damaged ones, and more than a run holds are refused
// with one line naming the files.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tests/trainer/checkpoint/CheckpointTestSupport.h"
#include "trainer/checkpoint/CheckpointAverage.h"
#include "trainer/checkpoint/CheckpointCodec.h"
#include "trainer/checkpoint/CheckpointStore.h"

namespace s2s {
namespace {

using test::ScratchDir;

// Keeps 5 checkpoints (the default keeps 3).
CheckpointOptions test_options() {
  CheckpointOptions o;
  o.keep_last = 5;
  return o;
}

class CheckpointAverageTest : public ::testing::Test {
 protected:
  void SetUp() override { torch::set_num_threads(1); }
};

// A checkpoint of a "model" with a float32 matrix, a float64 vector and optimizer state;
// its weights depend on `seed`, its shapes on `rows`.
CheckpointState model_state(int64_t step, uint64_t seed, int64_t rows = 4) {
  CheckpointState s = test::small_state(step, 2.0 + static_cast<double>(step) / 1000);
  torch::manual_seed(seed);
  s.tensors.erase("model/decoder.out.bias");
  // Values of several magnitudes, so that float32 sums would round differently.
  s.tensors["model/encoder.embedding.weight"] = torch::randn({rows, 6}) * torch::logspace(-3, 3, 6);
  s.tensors["model/decoder.rnn.bias"] = torch::randn({5}, torch::kFloat64);
  s.tensors["optimizer/encoder.embedding.weight/exp_avg"] = torch::randn({rows, 6});
  return s;
}

TEST_F(CheckpointAverageTest, EqualsTheFloat64MeanThatH5pyComputes) {
  for (const int count : {2, 3}) {
    ScratchDir run;
    CheckpointStore store(run.path(), test_options());
    std::vector<std::string> paths;
    for (int i = 0; i < count; ++i) paths.push_back(store.write(model_state(100 * (i + 1), 7 + i)));
    const std::string out = run / "average.h5";
    CheckpointStore::write_file(out, CheckpointAverage::of(paths));

    std::string sources = "[";
    for (const auto& p : paths) sources += "\"" + p + "\",";
    sources += "]";
    const std::string script = R"(
import h5py, hashlib, numpy as np
sources = )" + sources + R"(
with h5py.File(")" + out + R"(", "r") as f:
    names = f.attrs["tensors"].split("\n")
    print(sorted(names))
    for n in names:
        arrays = [h5py.File(s, "r")[n][()] for s in sources]
        acc = np.zeros(arrays[0].shape, np.float64)
        for a in arrays:
            acc += a.astype(np.float64)
        expected = (acc / len(arrays)).astype(arrays[0].dtype)
        print(n, f[n].dtype, np.array_equal(f[n][()], expected))
    print(f.attrs["format"], f.attrs["step"], f.attrs["world_size"], f.attrs["averaged_count"])
    print([k for k in f.attrs if k.startswith("metric.")])
    print(f.attrs["vocab_hash.tgt"] == h5py.File(sources[0], "r").attrs["vocab_hash.tgt"])
    for i, s in enumerate(sources):
        print(f.attrs[f"averaged_{i}_file"] == s, f.attrs[f"averaged_{i}_step"],
              f.attrs[f"averaged_{i}_sha256"] == hashlib.sha256(open(s, "rb").read()).hexdigest())
    print(len(f["rank/0/cursor"][()]), "plateau_scale" in f.attrs)
)";
    std::string expected =
        "['model/decoder.rnn.bias', 'model/encoder.embedding.weight']\n"
        "model/decoder.rnn.bias float64 True\nmodel/encoder.embedding.weight float32 True\n"
        "s2s-checkpoint " + std::to_string(100 * count) + " 1 " + std::to_string(count) + "\n[]\nTrue\n";
    for (int i = 0; i < count; ++i) expected += "True " + std::to_string(100 * (i + 1)) + " True\n";
    expected += "0 False\n";
    EXPECT_EQ(test::run_python(script, run.path()), expected) << count << " checkpoints";
  }
}

TEST_F(CheckpointAverageTest, AFloat32SumWouldDifferSoTheSumIsFloat64) {
  // The oracle above would also pass float32 sums where they happen to round alike; here
  // they do not: 1 + 3 * (3/4 of float32's epsilon) rounds up at every float32 addition.
  ScratchDir run;
  std::vector<std::string> paths;
  const std::vector<float> values = {1.0f, 0x1.8p-24f, 0x1.8p-24f, 0x1.8p-24f};
  float float32_sum = 0;
  for (const float v : values) float32_sum += v;
  for (size_t i = 0; i < values.size(); ++i) {
    CheckpointState s = model_state(static_cast<int64_t>(i + 1), 1);
    s.tensors["model/encoder.embedding.weight"] = torch::full({4, 6}, values[i]);
    paths.push_back(run / ("c" + std::to_string(i) + ".h5"));
    CheckpointStore::write_file(paths.back(), s);
  }
  const CheckpointState avg = CheckpointAverage::of(paths);
  double exact = 0;
  for (const float v : values) exact += v;
  const float expected = static_cast<float>(exact / 4);
  ASSERT_NE(float32_sum / 4, expected) << "the case no longer tells the sums apart";
  EXPECT_EQ(avg.tensor("model/encoder.embedding.weight")[0][0].item<float>(), expected);
}

TEST_F(CheckpointAverageTest, OneCheckpointAveragesToItsOwnWeightsWithoutOptimizerOrMetrics) {
  ScratchDir run;
  CheckpointStore store(run.path());
  const CheckpointState source = model_state(300, 3);
  const std::string path = store.write(source);
  const std::string out = run / "one.h5";
  CheckpointStore::write_file(out, CheckpointAverage::of({path}));
  const CheckpointState avg = CheckpointStore::read_file(out);
  for (const auto& [name, tensor] : source.tensors) {
    if (name.rfind("model/", 0) != 0) {
      EXPECT_EQ(avg.tensors.count(name), 0u) << name << ": an average holds no optimizer state";
      continue;
    }
    ASSERT_EQ(avg.tensors.count(name), 1u) << name;
    EXPECT_TRUE(torch::equal(avg.tensor(name), tensor)) << name;
    EXPECT_EQ(avg.tensor(name).scalar_type(), tensor.scalar_type()) << name;
  }
  EXPECT_TRUE(avg.metrics.empty()) << "it was never validated";
  EXPECT_EQ(avg.step, 300);
  EXPECT_EQ(avg.config_yaml, source.config_yaml);
  EXPECT_EQ(avg.vocab_hashes, source.vocab_hashes);
  EXPECT_TRUE(CheckpointAverage::is_average(avg));
  EXPECT_FALSE(CheckpointAverage::is_average(source));
  EXPECT_EQ(test::list_dir(run.path()), (std::vector<std::string>{"checkpoints", "one.h5"})) << "no temporary left";
}

TEST_F(CheckpointAverageTest, LastTakesTheNewestValidCheckpointsOfARunOldestFirst) {
  ScratchDir run;
  CheckpointStore store(run.path(), test_options());
  for (int64_t step : {100, 200, 300, 400}) store.write(model_state(step, static_cast<uint64_t>(step)));
  EXPECT_EQ(CheckpointAverage::last(run.path(), 2),
            (std::vector<std::string>{store.dir() + "/ckpt-00000300.h5", store.dir() + "/ckpt-00000400.h5"}));
  // A damaged checkpoint is not among them: its checksum no longer matches the manifest.
  test::write_file(store.dir() + "/ckpt-00000300.h5", "damaged");
  EXPECT_EQ(CheckpointAverage::last(run.path(), 3),
            (std::vector<std::string>{store.dir() + "/ckpt-00000100.h5", store.dir() + "/ckpt-00000200.h5",
                                      store.dir() + "/ckpt-00000400.h5"}));
  test::expect_error([&] { CheckpointAverage::last(run.path(), 4); },
                     {"last 4", run.path(), "3 valid ones", "steps 100, 200, 400", "1 unusable"});
  test::expect_error([&] { CheckpointAverage::last(store.dir(), 1); }, {"not a run directory"});
}

TEST_F(CheckpointAverageTest, RefusesSourcesOfAnotherShapeOrVocabularyNamingBothFiles) {
  ScratchDir run;
  const auto write = [&](const std::string& name, const CheckpointState& s) {
    CheckpointStore::write_file(run / name, s);
    return run / name;
  };
  const std::string a = write("a.h5", model_state(100, 1));
  const std::string rows = write("rows.h5", model_state(200, 2, /*rows=*/5));
  test::expect_error([&] { CheckpointAverage::of({a, rows}); },
                     {a, rows, "model/encoder.embedding.weight", "[4, 6]", "[5, 6]"});

  CheckpointState extra = model_state(200, 2);
  extra.tensors["model/decoder.extra.weight"] = torch::zeros({2});
  const std::string more = write("more.h5", extra);
  test::expect_error([&] { CheckpointAverage::of({a, more}); }, {a, more, "model/decoder.extra.weight"});
  test::expect_error([&] { CheckpointAverage::of({more, a}); }, {a, more, "model/decoder.extra.weight"});

  CheckpointState doubled = model_state(200, 2);
  doubled.tensors["model/decoder.rnn.bias"] = doubled.tensors["model/decoder.rnn.bias"].to(torch::kFloat32);
  const std::string dtype = write("dtype.h5", doubled);
  test::expect_error([&] { CheckpointAverage::of({a, dtype}); }, {a, dtype, "model/decoder.rnn.bias", "Double", "Float"});

  CheckpointState vocab = model_state(200, 2);
  vocab.vocab_hashes["tgt"] = std::string(64, 'c');
  const std::string other = write("vocab.h5", vocab);
  test::expect_error([&] { CheckpointAverage::of({a, other}); }, {a, other, "tgt vocabularies differ", "bbbbbbbbbbbb", "cccccccccccc"});
}

TEST_F(CheckpointAverageTest, RefusesMissingDamagedRepeatedOrNoSources) {
  ScratchDir run;
  const std::string a = run / "a.h5";
  CheckpointStore::write_file(a, model_state(100, 1));
  test::expect_error([&] { CheckpointAverage::of({a, run / "missing.h5"}); }, {run / "missing.h5", "missing"});
  const std::string bad = run / "bad.h5";
  test::write_file(bad, "not a checkpoint");
  test::expect_error([&] { CheckpointAverage::of({a, bad}); }, {bad, "corrupt"});
  test::expect_error([&] { CheckpointAverage::of({a, run.path() + "/./a.h5"}); }, {"listed twice"});
  test::expect_error([&] { CheckpointAverage::of({}); }, {"nothing to average"});
}

TEST_F(CheckpointAverageTest, WriteFileIsAtomicAndRefusesAMissingDirectory) {
  ScratchDir run;
  const std::string out = run / "avg.h5";
  CheckpointStore::write_file(out, model_state(100, 1));
  const std::string before = test::read_file(out);
  CheckpointState invalid = model_state(200, 2);
  invalid.ranks.clear();  // refused by validate(): nothing is written
  test::expect_error([&] { CheckpointStore::write_file(out, invalid); }, {"no ranks"});
  EXPECT_EQ(test::read_file(out), before);
  EXPECT_EQ(test::list_dir(run.path()), (std::vector<std::string>{"avg.h5"}));
  test::expect_error([&] { CheckpointStore::write_file(run / "no/such/dir/avg.h5", model_state(1, 1)); },
                     {run / "no/such/dir", "does not exist"});
  CheckpointStore::write_file(out, model_state(300, 3));  // replaces
  EXPECT_EQ(CheckpointStore::read_file(out).step, 300);
}

TEST_F(CheckpointAverageTest, AResumeRefusesAnAverageAndNamesTheFineTuneFlag) {
  ScratchDir run;
  const std::string a = run / "a.h5", out = run / "avg.h5";
  CheckpointStore::write_file(a, model_state(100, 1));
  CheckpointStore::write_file(out, CheckpointAverage::of({a}));
  const CheckpointState avg = CheckpointStore::read_file(out);
  torch::Tensor w = torch::zeros({4, 6}, torch::requires_grad());
  torch::optim::Adam adam({w});
  torch::OrderedDict<std::string, torch::Tensor> named;
  named.insert("encoder.embedding.weight", w);
  test::expect_error([&] { CheckpointCodec::restore_optimizer(adam, named, avg); },
                     {out, "average of 1 checkpoint(s)", "--fine-tune " + out});
}

}  // namespace
}  // namespace s2s
