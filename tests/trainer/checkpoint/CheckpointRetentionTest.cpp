// Specification: retention keeps the last keep_last checkpoints and the keep_best best by
// the validation metric (lower is better); it never deletes the one just written, files the
// manifest does not list, or anything when the new checkpoint is not good.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tests/trainer/checkpoint/CheckpointTestSupport.h"
#include "trainer/checkpoint/CheckpointStore.h"

namespace s2s {
namespace {

using test::ScratchDir;

std::vector<std::string> checkpoint_files(const CheckpointStore& store) {
  std::vector<std::string> files;
  for (const auto& name : test::list_dir(store.dir())) {
    if (name.rfind("ckpt-", 0) == 0) files.push_back(name);
  }
  return files;
}

std::vector<std::string> listed_files(const CheckpointStore& store) {
  std::vector<std::string> files;
  const auto manifest = nlohmann::json::parse(test::read_file(store.dir() + "/manifest.json"));
  for (const auto& e : manifest["checkpoints"]) files.push_back(e["file"]);
  return files;
}

class CheckpointRetention : public ::testing::Test {
 protected:
  void SetUp() override { torch::set_num_threads(1); }
};

TEST_F(CheckpointRetention, KeepsTheLastNAndTheBestByMetric) {
  ScratchDir run;
  CheckpointOptions options;
  options.keep_last = 2;
  options.keep_best = 1;
  CheckpointStore store(run.path(), options);
  const std::vector<double> losses = {5, 1, 4, 3, 6, 7};
  for (size_t i = 0; i < losses.size(); ++i) store.write(test::small_state(static_cast<int64_t>(i + 1) * 10, losses[i]));
  const std::vector<std::string> kept = {"ckpt-00000020.h5", "ckpt-00000050.h5", "ckpt-00000060.h5"};
  EXPECT_EQ(checkpoint_files(store), kept);
  EXPECT_EQ(listed_files(store), kept);
  for (const auto& info : store.list()) EXPECT_TRUE(info.valid()) << info.file << ": " << info.problem;
}

TEST_F(CheckpointRetention, KeepBestCountsOnlyCheckpointsWithTheMetric) {
  ScratchDir run;
  CheckpointOptions options;
  options.keep_last = 1;
  options.keep_best = 2;
  CheckpointStore store(run.path(), options);
  store.write(test::small_state(10, 2.0));
  store.write(test::small_state(20));  // no validation at this step
  store.write(test::small_state(30, 3.0));
  store.write(test::small_state(40, 2.5));
  store.write(test::small_state(50));
  EXPECT_EQ(checkpoint_files(store),
            (std::vector<std::string>{"ckpt-00000010.h5", "ckpt-00000040.h5", "ckpt-00000050.h5"}));
}

TEST_F(CheckpointRetention, KeepBestByBleuKeepsTheHighestAndReadBestFindsIt) {
  ScratchDir run;
  CheckpointOptions options;
  options.keep_last = 1;
  options.keep_best = 1;
  CheckpointStore store(run.path(), options, ValidMetric::bleu);
  const auto with_bleu = [](int64_t step, double bleu) {
    CheckpointState s = test::small_state(step, 1.0 / static_cast<double>(step));  // loss falls
    s.metrics["bleu"] = bleu;
    return s;
  };
  store.write(with_bleu(10, 20.0));
  store.write(with_bleu(20, 35.0));  // the best BLEU, not the lowest loss
  store.write(with_bleu(30, 30.0));
  store.write(with_bleu(40, 25.0));
  EXPECT_EQ(checkpoint_files(store), (std::vector<std::string>{"ckpt-00000020.h5", "ckpt-00000040.h5"}));
  const auto best = store.read_best();
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ(best->state.step, 20);
  // Ranked by loss instead, the newest (lowest loss) is the best.
  EXPECT_EQ(CheckpointStore(run.path(), options, ValidMetric::loss).read_best()->state.step, 40);
  EXPECT_FALSE(CheckpointStore(run.path(), options, ValidMetric::chrf).read_best().has_value());
}

TEST_F(CheckpointRetention, KeepLastOneKeepsOnlyTheNewest) {
  ScratchDir run;
  CheckpointOptions options;
  options.keep_last = 1;
  options.keep_best = 0;
  CheckpointStore store(run.path(), options);
  for (int step = 1; step <= 4; ++step) store.write(test::small_state(step, 1.0 / step));
  EXPECT_EQ(checkpoint_files(store), std::vector<std::string>{"ckpt-00000004.h5"});
  EXPECT_EQ(store.read_latest()->state.step, 4);
}

// keep_last = 1 and the new checkpoint turns out bad while being written: the old one is
// the only good one, and it stays (so do latest and the manifest).
TEST_F(CheckpointRetention, NeverDeletesTheOnlyGoodCheckpoint) {
  ScratchDir run;
  CheckpointOptions options;
  options.keep_last = 1;
  options.keep_best = 0;
  CheckpointStore store(run.path(), options);
  store.write(test::small_state(100));
  const std::string manifest = test::read_file(store.dir() + "/manifest.json");
  const std::string latest = test::read_file(store.dir() + "/latest.json");

  store.set_fault_hook([&](const std::string& point) {
    if (point != "synced") return;
    for (const auto& name : test::list_dir(store.dir())) {  // the disk eats half the new file
      if (name.find(".tmp-") != std::string::npos) {
        std::filesystem::resize_file(store.dir() + "/" + name, std::filesystem::file_size(store.dir() + "/" + name) / 2);
      }
    }
  });
  test::expect_error([&] { store.write(test::small_state(200)); },
                     {"could not write checkpoint " + store.dir() + "/ckpt-00000200.h5", "previous checkpoints are unchanged"});
  EXPECT_EQ(checkpoint_files(store), std::vector<std::string>{"ckpt-00000100.h5"});
  EXPECT_EQ(test::read_file(store.dir() + "/manifest.json"), manifest);
  EXPECT_EQ(test::read_file(store.dir() + "/latest.json"), latest);
  EXPECT_EQ(store.read_latest()->state.step, 100);
  EXPECT_EQ(test::list_dir(store.dir()).size(), 3u) << "no temporary left behind";
}

TEST_F(CheckpointRetention, NeverDeletesFilesTheManifestDoesNotList) {
  ScratchDir run;
  CheckpointOptions options;
  options.keep_last = 1;
  options.keep_best = 0;
  CheckpointStore store(run.path(), options);
  std::filesystem::create_directories(store.dir());
  test::write_file(store.dir() + "/ckpt-00000005.h5", "copied here by a user");
  store.write(test::small_state(10));
  store.write(test::small_state(20));
  EXPECT_EQ(checkpoint_files(store), (std::vector<std::string>{"ckpt-00000005.h5", "ckpt-00000020.h5"}));
}

TEST_F(CheckpointRetention, StaleTemporariesAreRemovedByTheNextWrite) {
  ScratchDir run;
  CheckpointStore store(run.path());
  std::filesystem::create_directories(store.dir());
  test::write_file(store.dir() + "/ckpt-00000300.h5.tmp-12345", "half a checkpoint");
  test::write_file(store.dir() + "/manifest.json.tmp-12345", "{");
  EXPECT_FALSE(store.read_latest().has_value()) << "temporaries are not checkpoints";
  store.write(test::small_state(10));
  EXPECT_EQ(test::list_dir(store.dir()),
            (std::vector<std::string>{"ckpt-00000010.h5", "latest.json", "manifest.json"}));
}

TEST_F(CheckpointRetention, RewritingAStepReplacesItsEntry) {
  ScratchDir run;
  CheckpointStore store(run.path());
  store.write(test::small_state(10, 2.0));
  store.write(test::small_state(10, 1.0));
  EXPECT_EQ(listed_files(store), std::vector<std::string>{"ckpt-00000010.h5"});
  const auto loaded = store.read_latest();
  EXPECT_EQ(loaded->state.metrics.at("loss"), 1.0);
}

}  // namespace
}  // namespace s2s
