// Specification: the writer killed (SIGKILL) at any point of write() - at every named point
// of its protocol, and after random delays - leaves a run whose latest.json names a complete
// file and whose previous checkpoint (or the new one, once latest moved) loads; the next
// write() succeeds and removes the stale temporaries.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "tests/trainer/checkpoint/CheckpointTestSupport.h"
#include "trainer/checkpoint/CheckpointStore.h"

namespace s2s {
namespace {

using test::ScratchDir;
namespace fs = std::filesystem;

// Runs `write` in a child process; `kill_at` (point, occurrence) makes the child SIGKILL
// itself there. Returns the child's wait status.
int write_in_child(const std::string& run_dir, const CheckpointOptions& options, const CheckpointState& state,
                   const std::string& point, int occurrence) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    try {
      CheckpointStore store(run_dir, options);
      int seen = 0;
      store.set_fault_hook([&](const std::string& p) {
        if (p == point && ++seen == occurrence) ::raise(SIGKILL);
      });
      store.write(state);
      ::_exit(0);
    } catch (...) {
      ::_exit(3);
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

// latest.json names a file that exists and matches its recorded checksum.
void expect_latest_is_complete(const CheckpointStore& store, const std::string& context) {
  const auto latest = nlohmann::json::parse(test::read_file(store.dir() + "/latest.json"));
  const std::string file = store.dir() + "/" + latest["file"].get<std::string>();
  ASSERT_TRUE(fs::exists(file)) << context;
  EXPECT_EQ(Sha256::of_file(file), latest["sha256"].get<std::string>()) << context;
}

bool has_temporaries(const std::string& dir) {
  for (const auto& name : test::list_dir(dir)) {
    if (name.find(".tmp-") != std::string::npos) return true;
  }
  return false;
}

class CheckpointCrash : public ::testing::Test {
 protected:
  void SetUp() override { torch::set_num_threads(1); }
};

TEST_F(CheckpointCrash, KilledAtEveryPointOfTheProtocolTheRunStaysLoadable) {
  CheckpointOptions options;
  options.keep_last = 2;  // the write of step 300 also deletes step 100: retention is killed too
  options.keep_best = 0;
  ScratchDir base;
  {
    CheckpointStore store(base.path(), options);
    store.write(test::small_state(100));
    store.write(test::small_state(200));
  }
  const CheckpointState next = test::small_state(300);

  // The points of one write, in order, as the store announces them.
  std::vector<std::pair<std::string, int>> points;
  {
    ScratchDir dry;
    fs::copy(base.path(), dry.path(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    CheckpointStore store(dry.path(), options);
    std::map<std::string, int> seen;
    store.set_fault_hook([&](const std::string& p) { points.emplace_back(p, ++seen[p]); });
    store.write(next);
  }
  ASSERT_GE(points.size(), 15u);
  EXPECT_EQ(points.front().first, "begin");
  EXPECT_EQ(points.back().first, "retention_removed");

  bool latest_moved = false;
  for (const auto& [point, occurrence] : points) {
    const std::string context = point + " #" + std::to_string(occurrence);
    if (point == "latest_renamed") latest_moved = true;
    ScratchDir run;
    fs::copy(base.path(), run.path(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    const int status = write_in_child(run.path(), options, next, point, occurrence);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << context << ": the child was not killed there";

    CheckpointStore store(run.path(), options);
    expect_latest_is_complete(store, context);
    test::LogCapture log;
    const auto loaded = store.read_latest();
    ASSERT_TRUE(loaded.has_value()) << context;
    EXPECT_EQ(loaded->state.step, latest_moved ? 300 : 200) << context;
    EXPECT_EQ(log.text().find("falling back"), std::string::npos) << context << ": " << log.text();

    // The run goes on: the next write succeeds and clears what the killed one left.
    store.write(test::small_state(400));
    EXPECT_EQ(store.read_latest()->state.step, 400) << context;
    EXPECT_FALSE(has_temporaries(store.dir())) << context;
  }
}

TEST_F(CheckpointCrash, KilledAfterRandomDelaysThePreviousCheckpointAlwaysLoads) {
  ScratchDir run;
  CheckpointOptions options;
  options.keep_last = 2;
  CheckpointState state = test::small_state(1);
  state.tensors["model/big"] = torch::rand({1 << 20});  // 4 MB: writes take a while
  state.tensors["optimizer/big/exp_avg"] = torch::rand({1 << 20});

  CheckpointStore store(run.path(), options);
  const auto start = std::chrono::steady_clock::now();
  store.write(state);
  const auto write_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();

  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int64_t> delay(0, write_us * 3 / 2);
  int64_t good = 1;
  int killed = 0;
  for (int i = 0; i < 16; ++i) {
    state.step = 2 + i;
    const pid_t pid = ::fork();
    if (pid == 0) {
      try {
        CheckpointStore(run.path(), options).write(state);
        ::_exit(0);
      } catch (...) {
        ::_exit(3);
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    const std::string context = "seed " + std::to_string(seed) + " round " + std::to_string(i);
    ASSERT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) << context;
    killed += WIFSIGNALED(status);

    expect_latest_is_complete(store, context);
    const auto loaded = store.read_latest();
    ASSERT_TRUE(loaded.has_value()) << context;
    // Either the previous good checkpoint, or the new one when the write got far enough.
    EXPECT_TRUE(loaded->state.step == good || loaded->state.step == state.step) << context;
    good = loaded->state.step;
    EXPECT_TRUE(torch::equal(loaded->state.tensor("model/big"), state.tensors["model/big"])) << context;
  }
  EXPECT_GT(killed, 0) << "no write was interrupted (seed " << seed << ")";
  store.write(state);
  EXPECT_FALSE(has_temporaries(store.dir()));
}

}  // namespace
}  // namespace s2s
