// Specification: every kind of field of a CheckpointState survives write + read exactly,
// the file is what trainer/checkpoint/CHECKPOINT.md says (checked with h5py and hashlib as independent
// readers), and names that could not be stored faithfully are refused on write.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <regex>

#include "tests/trainer/checkpoint/CheckpointTestSupport.h"
#include "trainer/checkpoint/CheckpointStore.h"

namespace s2s {
namespace {

using test::ScratchDir;

class CheckpointRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override { torch::set_num_threads(1); }
};

CheckpointState every_kind_of_field() {
  CheckpointState s;
  s.step = 1200;
  s.epoch = 3;
  s.config_yaml = "run:\n  dir: runs/äöü # unicode and newlines\n\ntrain:\n  lr: 0.001\n";
  s.vocab_hashes = {{"src", "8cff98ea4a2dc803"}, {"tgt", "945e08cd"}};
  s.metrics = {{"loss", 2.125}, {"bleu", 31.5}};
  s.scalars["plateau_scale"] = 0.25;
  s.scalars["plateau_best"] = std::numeric_limits<double>::infinity();  // before any validation
  s.scalars["plateau_stalls"] = int64_t{2};
  s.scalars["nonfinite_count"] = int64_t{-7};
  s.scalars["big"] = int64_t{1} << 62;
  s.scalars["optimizer"] = std::string("adamw");
  s.scalars["empty_text"] = std::string();
  torch::manual_seed(3);
  s.tensors["model/encoder.embedding.weight"] = torch::randn({7, 5});
  s.tensors["model/decoder.rnn.weight_hh_l0"] = torch::randn({2, 3, 4}, torch::kFloat64);
  s.tensors["optimizer/encoder.embedding.weight/exp_avg"] = torch::randn({7, 5});
  s.tensors["optimizer/encoder.embedding.weight/step"] = torch::tensor(int64_t{1200});
  s.tensors["extra/bytes"] = torch::tensor({0, 1, 255}, torch::kUInt8);
  s.tensors["extra/int8"] = torch::tensor({-128, 0, 127}, torch::kInt8);
  s.tensors["extra/int16"] = torch::tensor({-32768, 5}, torch::kInt16);
  s.tensors["extra/int32"] = torch::tensor({-5, 1 << 30}, torch::kInt32);
  s.tensors["extra/empty"] = torch::zeros({0, 3});
  s.tensors["extra/non_contiguous"] = torch::arange(12, torch::kFloat32).reshape({3, 4}).t();
  for (int r = 0; r < 3; ++r) {
    CheckpointState::Rank rank;
    rank.cursor = "s2s-cursor/1 epoch=3 position=" + std::to_string(40 + r) + " seed=1 plan=0123456789abcdef";
    for (int i = 0; i < 5000 + r; ++i) rank.cpu_rng_state.push_back(static_cast<uint8_t>(i * 7 + r));
    if (r == 1) rank.cuda_rng_state = {1, 2, 3, 4, 0, 0, 0, 0, 9, 9, 9, 9, 0, 0, 0, 1};
    s.ranks.push_back(rank);
  }
  return s;
}

TEST_F(CheckpointRoundTrip, EveryKindOfFieldSurvivesExactly) {
  ScratchDir run;
  CheckpointStore store(run.path());
  const CheckpointState in = every_kind_of_field();
  const std::string path = store.write(in);
  EXPECT_EQ(path, run / "checkpoints/ckpt-00001200.h5");

  const auto loaded = store.read_latest();
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->path, path);
  const CheckpointState& out = loaded->state;
  EXPECT_EQ(out.source, path);
  EXPECT_EQ(out.step, in.step);
  EXPECT_EQ(out.epoch, in.epoch);
  EXPECT_EQ(out.world_size(), 3);
  EXPECT_EQ(out.config_yaml, in.config_yaml);
  EXPECT_EQ(out.vocab_hashes, in.vocab_hashes);
  EXPECT_EQ(out.metrics, in.metrics);
  EXPECT_EQ(out.scalars, in.scalars);  // variant equality: same type and value
  EXPECT_EQ(out.ranks, in.ranks);
  ASSERT_EQ(out.tensors.size(), in.tensors.size());
  for (const auto& [name, tensor] : in.tensors) {
    ASSERT_TRUE(out.tensors.count(name)) << name;
    const torch::Tensor& t = out.tensors.at(name);
    EXPECT_EQ(t.scalar_type(), tensor.scalar_type()) << name;
    EXPECT_EQ(t.sizes(), tensor.sizes()) << name;
    EXPECT_TRUE(torch::equal(t, tensor)) << name;
  }
  EXPECT_EQ(out.int_scalar("plateau_stalls"), 2);
  EXPECT_EQ(out.double_scalar("plateau_scale"), 0.25);
  EXPECT_EQ(out.string_scalar("optimizer"), "adamw");
  test::expect_error([&] { out.int_scalar("optimizer"); }, {path, "'optimizer'", "not an integer"});
  test::expect_error([&] { out.tensor("model/nope"); }, {path, "model/nope"});
}

TEST_F(CheckpointRoundTrip, WritesTheDocumentedFilesAndNoTemporaries) {
  ScratchDir run;
  CheckpointStore store(run.path());
  store.write(test::small_state(100, 3.5));
  store.write(test::small_state(200, 3.0));
  EXPECT_EQ(test::list_dir(store.dir()),
            (std::vector<std::string>{"ckpt-00000100.h5", "ckpt-00000200.h5", "latest.json", "manifest.json"}));
  const auto manifest = nlohmann::json::parse(test::read_file(store.dir() + "/manifest.json"));
  EXPECT_EQ(manifest["format"], "s2s-checkpoints");
  EXPECT_EQ(manifest["format_version"], 1);
  ASSERT_EQ(manifest["checkpoints"].size(), 2u);
  const auto& e = manifest["checkpoints"][1];
  EXPECT_EQ(e["file"], "ckpt-00000200.h5");
  EXPECT_EQ(e["step"], 200);
  EXPECT_EQ(e["sha256"], Sha256::of_file(store.dir() + "/ckpt-00000200.h5"));
  EXPECT_EQ(e["bytes"], std::filesystem::file_size(store.dir() + "/ckpt-00000200.h5"));
  EXPECT_EQ(e["metrics"]["loss"], 3.0);
  EXPECT_TRUE(std::regex_match(e["written_at"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  const auto latest = nlohmann::json::parse(test::read_file(store.dir() + "/latest.json"));
  EXPECT_EQ(latest["format"], "s2s-checkpoint-latest");
  EXPECT_EQ(latest["file"], "ckpt-00000200.h5");
  EXPECT_EQ(latest["sha256"], e["sha256"]);
}

// The h5py snippet of CHECKPOINT.md, as written, reading `path` (empty when the document lost it).
std::string weights_snippet(const std::string& path) {
  const std::string doc = test::read_file(std::string(S2S_SOURCE_DIR) + "/trainer/checkpoint/CHECKPOINT.md");
  const size_t marker = doc.find("<!-- weights-snippet -->");
  EXPECT_NE(marker, std::string::npos) << "CHECKPOINT.md lost its h5py snippet";
  if (marker == std::string::npos) return "";
  const size_t begin = doc.find("```python\n", marker) + 10;
  const size_t end = doc.find("```", begin);
  std::string snippet = doc.substr(begin, end - begin);
  const std::string example = "runs/demo/checkpoints/ckpt-00001200.h5";
  EXPECT_NE(snippet.find(example), std::string::npos);
  if (snippet.find(example) != std::string::npos) snippet.replace(snippet.find(example), example.size(), path);
  return snippet;
}

// The h5py snippet of trainer/checkpoint/CHECKPOINT.md, run as written, loads the weights exactly;
// hashlib agrees with the manifest; the attributes are where the document says.
TEST_F(CheckpointRoundTrip, H5pyReadsTheWeightsExactlyWithTheDocumentedSnippet) {
  ScratchDir run;
  CheckpointStore store(run.path());
  CheckpointState state = test::small_state(1200, 2.5);
  torch::manual_seed(11);
  const torch::Tensor weight = torch::randn({16, 8});
  state.tensors["model/encoder.embedding.weight"] = weight;
  const std::string path = store.write(state);

  const std::string script = weights_snippet(path) + R"(
import hashlib, json
names = sorted(weights)
print(names)
w = weights["encoder.embedding.weight"]
print(w.dtype, w.shape, hashlib.sha256(w.astype("<f4").tobytes()).hexdigest())
with h5py.File(")" + path + R"(", "r") as f:
    print(f.attrs["step"], f.attrs["world_size"], f.attrs["metric.loss"], f.attrs["vocab_hash.src"][:4])
    print(bytes(f["rank/1/cursor"][()]).decode())
    print(int(f["optimizer/encoder.embedding.weight/step"][()]))
m = json.load(open(")" + store.dir() + R"(/manifest.json"))
print(m["checkpoints"][-1]["sha256"] == hashlib.sha256(open(")" + path + R"(", "rb").read()).hexdigest())
)";
  const std::string out = test::run_python(script, run.path());
  const std::string bytes(static_cast<const char*>(weight.data_ptr()), weight.numel() * sizeof(float));
  EXPECT_EQ(out, "['decoder.out.bias', 'encoder.embedding.weight']\nfloat32 (16, 8) " + Sha256::of_text(bytes) +
                     "\n1200 2 2.5 aaaa\n" + state.ranks[1].cursor + "\n1200\nTrue\n");
}

// With EMA weights (train.ema_decay) a file is version 2 and holds ema/<path> beside
// model/<path>; both survive exactly, the snippet loads the EMA ones, and a file without
// them stays version 1 (what an older s2s reads).
TEST_F(CheckpointRoundTrip, EmaWeightsMakeVersionTwoAndTheSnippetLoadsThem) {
  ScratchDir run;
  CheckpointStore store(run.path());
  CheckpointState state = test::small_state(1200, 2.5);
  const std::string plain = store.write(state);
  torch::manual_seed(12);
  for (const char* name : {"encoder.embedding.weight", "decoder.out.bias"})
    state.tensors[std::string("ema/") + name] = torch::randn_like(state.tensors.at(std::string("model/") + name));
  state.scalars["ema_updates"] = int64_t{1200};
  state.step = 1300;
  const std::string with_ema = store.write(state);

  const CheckpointState back = store.read(with_ema);
  for (const auto& [name, tensor] : state.tensors) EXPECT_TRUE(torch::equal(back.tensor(name), tensor)) << name;
  EXPECT_EQ(back.int_scalar("ema_updates"), 1200);
  const torch::Tensor ema = state.tensors.at("ema/encoder.embedding.weight");
  const std::string script = weights_snippet(with_ema) + R"(
import hashlib
print(sorted(weights))
print(hashlib.sha256(weights["encoder.embedding.weight"].astype("<f4").tobytes()).hexdigest())
for path in (")" + with_ema + R"(", ")" + plain + R"("):
    with h5py.File(path, "r") as g:
        print(g.attrs["format_version"])
)";
  const std::string bytes(static_cast<const char*>(ema.data_ptr()), ema.numel() * sizeof(float));
  EXPECT_EQ(test::run_python(script, run.path()),
            "['decoder.out.bias', 'encoder.embedding.weight']\n" + Sha256::of_text(bytes) + "\n2\n1\n");
}

TEST_F(CheckpointRoundTrip, RefusesStatesItCannotStoreFaithfully) {
  ScratchDir run;
  CheckpointStore store(run.path());
  auto refuse = [&](auto edit, std::vector<std::string> parts) {
    CheckpointState s = test::small_state(5);
    edit(s);
    test::expect_error([&] { store.write(s); }, parts);
  };
  refuse([](CheckpointState& s) { s.ranks.clear(); }, {"no ranks"});
  refuse([](CheckpointState& s) { s.scalars["step"] = int64_t{1}; }, {"'step'", "reserved"});
  refuse([](CheckpointState& s) { s.scalars["a.b"] = int64_t{1}; }, {"'a.b'"});
  refuse([](CheckpointState& s) { s.metrics["valid loss"] = 1.0; }, {"'valid loss'"});
  refuse([](CheckpointState& s) { s.tensors["/model/x"] = torch::zeros({1}); }, {"'/model/x'"});
  refuse([](CheckpointState& s) { s.tensors["model//x"] = torch::zeros({1}); }, {"'model//x'"});
  refuse([](CheckpointState& s) { s.tensors["rank/0/x"] = torch::zeros({1}); }, {"'rank/0/x'", "reserved"});
  refuse([](CheckpointState& s) { s.tensors["model/x"] = torch::Tensor(); }, {"'model/x'", "undefined"});
  refuse([](CheckpointState& s) { s.tensors["model/x"] = torch::zeros({2}, torch::kHalf); }, {"'model/x'", "dtype"});
  refuse([](CheckpointState& s) { s.tensors["model/a"] = torch::zeros({1}); s.tensors["model/a/b"] = torch::zeros({1}); },
         {"'model/a/b'", "'model/a'"});
  EXPECT_FALSE(std::filesystem::exists(store.dir() + "/latest.json")) << "a refused state writes nothing";
}

TEST_F(CheckpointRoundTrip, AnEmptyRunHasNoCheckpoint) {
  ScratchDir run;
  CheckpointStore store(run.path());
  EXPECT_FALSE(store.read_latest().has_value());
  EXPECT_TRUE(store.list().empty());
  std::filesystem::create_directories(store.dir());
  EXPECT_FALSE(store.read_latest().has_value());
}

}  // namespace
}  // namespace s2s
