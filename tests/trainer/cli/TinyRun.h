#pragma once
// A small trained run that the translate, eval and plot-attention tests share: the sample
// corpus (8000 pairs, space tokenizer) and a tiny model trained for 300 updates with a
// checkpoint every 100 (so the run has several, with validation losses). ctest runs every
// test case in its own process, several at once, so the run is built once per build
// directory under a file lock and reused until the s2s binary changes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/Subprocess.h"

namespace s2s::test {

struct TinyRun {
  std::string dir;          // holds corpus/, run/, sources.txt, references.txt, pairs.tsv
  std::string corpus;       // dir/corpus
  std::string run;          // dir/run
  std::string sources;      // dir/sources.txt: the first 40 held-out test sources
  std::string references;   // dir/references.txt: their references
  std::string pairs;        // dir/pairs.tsv: the same 40 pairs as TSV
  std::string checkpoint;   // the run's step-300 checkpoint file
};

inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The shared run; fails the calling test (and returns a run without files) when building
// it fails.
inline TinyRun tiny_run() {
  namespace fs = std::filesystem;
  TinyRun t;
  t.dir = S2S_BINARY_DIR "/test-fixtures/tiny-run";
  t.corpus = t.dir + "/corpus";
  t.run = t.dir + "/run";
  t.sources = t.dir + "/sources.txt";
  t.references = t.dir + "/references.txt";
  t.pairs = t.dir + "/pairs.tsv";
  t.checkpoint = t.run + "/checkpoints/ckpt-00000300.h5";
  fs::create_directories(S2S_BINARY_DIR "/test-fixtures");
  const int lock = ::open(S2S_BINARY_DIR "/test-fixtures/tiny-run.lock", O_CREAT | O_RDWR, 0644);
  ::flock(lock, LOCK_EX);
  const std::string done = t.dir + "/done";
  std::error_code ec;
  const bool fresh = fs::exists(done) && fs::last_write_time(done, ec) >= fs::last_write_time(s2s_binary(), ec);
  if (!fresh) {
    fs::remove_all(t.dir);
    fs::create_directories(t.dir);
    const auto prep = run_command(s2s_binary() + " prep --sample --sample-pairs 8000 --valid-count 200 --test-count 200 --no-progress " + t.corpus);
    EXPECT_EQ(prep.exit_code, 0) << prep.err;
    const auto train = run_command(
        s2s_binary() + " train data.dir=" + t.corpus + " run.dir=" + t.run +
        " model.embed_dim=16 model.encoder_hidden=24 model.decoder_hidden=32 model.attention_dim=16"
        " model.readout_dim=16 run.threads=1 train.log_every=50 train.warmup_steps=30 train.lr=0.01"
        " train.max_epochs=0 train.max_steps=300 train.validate_every=100 checkpoint.every_steps=100"
        " checkpoint.keep_last=5");
    EXPECT_EQ(train.exit_code, 0) << train.err;
    std::ofstream src(t.sources), ref(t.references), tsv(t.pairs);
    const auto test_pairs = read_lines(t.corpus + "/test.tsv");
    for (size_t i = 0; i < test_pairs.size() && i < 40; ++i) {
      const auto tab = test_pairs[i].find('\t');
      src << test_pairs[i].substr(0, tab) << '\n';
      ref << test_pairs[i].substr(tab + 1) << '\n';
      tsv << test_pairs[i] << '\n';
    }
    if (prep.exit_code == 0 && train.exit_code == 0) std::ofstream(done) << "ok\n";
  }
  ::flock(lock, LOCK_UN);
  ::close(lock);
  return t;
}

}  // namespace s2s::test
