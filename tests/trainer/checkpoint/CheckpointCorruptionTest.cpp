// Specification: every way a checkpoint can be damaged is a one-line s2s::Error naming the
// file and what is wrong; read_latest() then falls back to the previous good checkpoint,
// only with a warning that names the damaged one; list() reports each file's validity.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>

#include "tests/trainer/checkpoint/CheckpointTestSupport.h"
#include "trainer/checkpoint/CheckpointStore.h"

namespace s2s {
namespace {

using test::ScratchDir;

// A run with good checkpoints at steps 100 and 200.
class CheckpointCorruption : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    store_.write(test::small_state(100));
    store_.write(test::small_state(200));
  }
  std::string path(int64_t step) const { return store_.dir() + "/" + CheckpointStore::file_name(step); }

  // Damages ckpt-200 with `damage`; expects reading it to fail with `parts` in the message
  // and read_latest() to fall back to step 100 with a warning saying the same.
  void expect_fallback(const std::function<void()>& damage, const std::vector<std::string>& parts) {
    damage();
    std::vector<std::string> all = parts;
    all.push_back(path(200));
    test::expect_error([&] { store_.read(path(200)); }, all);
    test::LogCapture log;
    const auto loaded = store_.read_latest();
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->state.step, 100);
    EXPECT_EQ(loaded->path, path(100));
    const std::string warning = log.text();
    EXPECT_NE(warning.find("falling back to the previous good checkpoint " + path(100)), std::string::npos) << warning;
    for (const auto& part : all) EXPECT_NE(warning.find(part), std::string::npos) << part << " not in " << warning;
  }

  void h5py(const std::string& statements) {
    const std::string out = test::run_python(
        "import h5py, numpy as np\nwith h5py.File('" + path(200) + "', 'r+') as f:\n    " + statements + "\nprint('ok')\n",
        run_.path());
    ASSERT_EQ(out, "ok\n");
  }

  ScratchDir run_;
  CheckpointStore store_{run_.path()};
};

TEST_F(CheckpointCorruption, TruncatedFile) {
  expect_fallback([&] { std::filesystem::resize_file(path(200), std::filesystem::file_size(path(200)) / 2); },
                  {"is truncated"});
}

TEST_F(CheckpointCorruption, FlippedByteIsAChecksumMismatch) {
  expect_fallback(
      [&] {
        std::string bytes = test::read_file(path(200));
        bytes[bytes.size() / 2] ^= 0x10;
        test::write_file(path(200), bytes);
      },
      {"checksum mismatch", "SHA-256"});
}

TEST_F(CheckpointCorruption, MissingDataset) {
  expect_fallback(
      [&] {
        h5py("del f['model/decoder.out.bias']");
        test::reseal(store_, CheckpointStore::file_name(200));  // get past the checksum to the damage
      },
      {"has no dataset /model/decoder.out.bias"});
}

TEST_F(CheckpointCorruption, MissingRankDataset) {
  expect_fallback(
      [&] {
        h5py("del f['rank/1/cpu_rng_state']");
        test::reseal(store_, CheckpointStore::file_name(200));
      },
      {"has no dataset /rank/1/cpu_rng_state"});
}

TEST_F(CheckpointCorruption, NewerFormatVersion) {
  expect_fallback(
      [&] {
        h5py("f.attrs['format_version'] = np.int64(3)");
        test::reseal(store_, CheckpointStore::file_name(200));
      },
      {"format version 3", "reads up to version 2", "newer s2s"});
}

TEST_F(CheckpointCorruption, NotACheckpoint) {
  expect_fallback(
      [&] {
        h5py("f.attrs['format'] = 's2s-shard'");
        test::reseal(store_, CheckpointStore::file_name(200));
      },
      {"is not an s2s checkpoint"});
}

TEST_F(CheckpointCorruption, NotHdf5AtAll) {
  expect_fallback(
      [&] {
        test::write_file(path(200), std::string(4096, 'x'));
        test::reseal(store_, CheckpointStore::file_name(200));
      },
      {"cannot be opened as HDF5"});
}

TEST_F(CheckpointCorruption, ManifestPointsAtAMissingFile) {
  expect_fallback([&] { std::filesystem::remove(path(200)); }, {"is missing"});
}

TEST_F(CheckpointCorruption, DamagedLatestPointerFallsBackToTheManifestWithAWarning) {
  test::write_file(store_.dir() + "/latest.json", "{\"format\": \"s2s-checkpoint-lat");
  test::LogCapture log;
  const auto loaded = store_.read_latest();
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->state.step, 200);
  EXPECT_NE(log.text().find(store_.dir() + "/latest.json is not valid JSON"), std::string::npos) << log.text();
}

TEST_F(CheckpointCorruption, MissingLatestPointerWarns) {
  std::filesystem::remove(store_.dir() + "/latest.json");
  test::LogCapture log;
  EXPECT_EQ(store_.read_latest()->state.step, 200);
  EXPECT_NE(log.text().find("latest.json is missing"), std::string::npos) << log.text();
}

TEST_F(CheckpointCorruption, ANewerManifestFormatIsRefusedByName) {
  test::write_file(store_.dir() + "/manifest.json", R"({"format": "s2s-checkpoints", "format_version": 9, "checkpoints": []})");
  test::expect_error([&] { store_.read(path(200)); }, {store_.dir() + "/manifest.json", "format_version 9", "newer s2s"});
}

TEST_F(CheckpointCorruption, NoUsableCheckpointIsAnErrorNamingEveryFile) {
  std::filesystem::resize_file(path(200), 100);
  std::filesystem::resize_file(path(100), 100);
  test::expect_error([&] { store_.read_latest(); },
                     {"no usable checkpoint in " + store_.dir(), path(200), path(100), "truncated"});
}

TEST_F(CheckpointCorruption, ReadFileWithoutChecksumStillChecksTheContent) {
  h5py("del f['model/encoder.embedding.weight']");
  test::expect_error([&] { CheckpointStore::read_file(path(200)); },
                     {path(200), "has no dataset /model/encoder.embedding.weight"});
}

TEST_F(CheckpointCorruption, ListReportsStepMetricsAndValidity) {
  store_.write(test::small_state(300, 1.75));
  std::string bytes = test::read_file(path(200));
  bytes[bytes.size() / 3] ^= 0x01;
  test::write_file(path(200), bytes);
  test::write_file(store_.dir() + "/ckpt-00000050.h5", "left behind");

  const auto infos = store_.list();
  ASSERT_EQ(infos.size(), 4u);
  EXPECT_EQ(infos[0].step, 50);
  EXPECT_FALSE(infos[0].listed);
  EXPECT_FALSE(infos[0].valid());
  EXPECT_NE(infos[0].problem.find("not listed"), std::string::npos);
  EXPECT_EQ(infos[1].step, 100);
  EXPECT_TRUE(infos[1].valid()) << infos[1].problem;
  EXPECT_EQ(infos[2].step, 200);
  EXPECT_NE(infos[2].problem.find("checksum mismatch"), std::string::npos) << infos[2].problem;
  EXPECT_EQ(infos[3].step, 300);
  EXPECT_TRUE(infos[3].valid()) << infos[3].problem;
  EXPECT_TRUE(infos[3].latest);
  EXPECT_FALSE(infos[1].latest);
  EXPECT_EQ(infos[3].metrics.at("loss"), 1.75);
  EXPECT_EQ(infos[3].bytes, static_cast<int64_t>(std::filesystem::file_size(path(300))));
  EXPECT_EQ(infos[3].path, path(300));
}

}  // namespace
}  // namespace s2s
