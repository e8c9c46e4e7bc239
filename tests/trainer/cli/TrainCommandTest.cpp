// Specification of `s2s train` as a user runs it: under mpirun on 2 ranks, on the sample
// corpus, it trains, validates, and writes its run directory; data that is uneven across
// ranks never hangs a rank; bad input ends every rank with one line and a non-zero exit.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "../../support/Subprocess.h"

namespace s2s {
namespace {

namespace fs = std::filesystem;

// mpirun as root needs Open MPI's two consent variables; `timeout` turns a hang into a
// failure (exit 124) instead of a stuck test.
std::string mpirun(int ranks, const std::string& args) {
  return "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 240 " +
         std::string(S2S_MPIEXEC) + " -np " + std::to_string(ranks) + " --oversubscribe " +
         test::s2s_binary() + " " + args;
}

std::string fresh_dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "s2s_train_" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

const char* kTinyTraining =
    " model.embed_dim=16 model.encoder_hidden=16 model.decoder_hidden=24 model.attention_dim=16"
    " model.readout_dim=16 run.threads=1 train.log_every=5 train.warmup_steps=5 train.lr=0.003";

TEST(TrainCommand, TrainsOnTwoRanksAndWritesItsRunDirectory) {
  const std::string dir = fresh_dir("two_ranks");
  auto prep = test::run_command(test::s2s_binary() + " prep --sample --sample-pairs 3000 --no-progress " + dir + "/corpus");
  ASSERT_EQ(prep.exit_code, 0) << prep.err;

  const auto r = test::run_command(mpirun(2, "train data.dir=" + dir + "/corpus run.dir=" + dir +
                                                 "/run train.max_steps=20 train.validate_every=10" +
                                                 kTinyTraining));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("2 rank(s)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("step 20 | epoch"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("done after 20 updates (max_steps)"), std::string::npos) << r.err;

  // The run directory: the resolved config (loadable again), the log, the metrics.
  const std::string config = test::read_text(dir + "/run/config.yaml");
  EXPECT_NE(config.find("max_steps: 20"), std::string::npos);
  EXPECT_NE(test::read_text(dir + "/run/train.log").find("step 20 | epoch"), std::string::npos);
  const std::string metrics = test::read_text(dir + "/run/metrics.jsonl");
  int train_lines = 0, valid_lines = 0;
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    train_lines += line.find("\"kind\":\"train\"") != std::string::npos;
    valid_lines += line.find("\"kind\":\"valid\"") != std::string::npos;
  }
  EXPECT_EQ(train_lines, 4);  // every 5 of 20 updates
  EXPECT_EQ(valid_lines, 2);  // at 10 and 20
}

TEST(TrainCommand, DataUnevenAcrossRanksNeverHangsARank) {
  // Rank 0 owns the first half (long pairs), rank 1 the second (short pairs): by token
  // budget rank 1 would need far fewer batches. Every rank must still run the same number of
  // updates, or one would wait forever in an all-reduce.
  const std::string dir = fresh_dir("uneven");
  {
    std::ofstream tsv(dir + "/pairs.tsv");
    for (int i = 0; i < 400; ++i) {
      const int n = i < 200 ? 30 : 2;
      std::string src, tgt;
      for (int j = 0; j < n; ++j) {
        if (j > 0) src += ' ';
        src += static_cast<char>('a' + (i + j) % 26);
      }
      for (int j = n - 1; j >= 0; --j) {  // reversed and mapped to upper case
        tgt += static_cast<char>('A' + (i + j) % 26);
        if (j > 0) tgt += ' ';
      }
      tsv << src << '\t' << tgt << '\n';
    }
  }
  auto prep = test::run_command(test::s2s_binary() + " prep --tsv " + dir + "/pairs.tsv --valid-count 20 --shards 2 --no-progress " + dir + "/corpus");
  ASSERT_EQ(prep.exit_code, 0) << prep.err;
  const auto r = test::run_command(mpirun(2, "train data.dir=" + dir + "/corpus run.dir=" + dir +
                                                 "/run data.max_tokens=128 train.max_epochs=2 train.validate_every=0" +
                                                 kTinyTraining));
  ASSERT_EQ(r.exit_code, 0) << r.err;  // 124 would be the timeout of a hang
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex("(\\d+) batches per epoch per rank"))) << r.err;
  const int per_epoch = std::stoi(m[1]);
  EXPECT_NE(r.err.find("done after " + std::to_string(2 * per_epoch) + " updates (max_epochs)"),
            std::string::npos)
      << r.err;
}

TEST(TrainCommand, AMissingCorpusEndsEveryRankWithOneLine) {
  const std::string dir = fresh_dir("missing");
  const auto r = test::run_command(mpirun(2, "train data.dir=" + dir + "/nothing-here run.dir=" + dir + "/run" + kTinyTraining));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.exit_code, 124) << "the job hung";
  EXPECT_NE(r.err.find("s2s: error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(dir + "/nothing-here"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace s2s
