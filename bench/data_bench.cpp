// s2s_data_bench: throughput of the data layer, printed as a table.
//
//   prep    pairs/s and MB/s of `s2s prep`'s pipeline on a synthetic corpus, and its peak RSS
//           (measured in a fresh child process, so the corpus generator does not count)
//   reader  tokens/s a CorpusReader delivers (one rank, one epoch), with and without the
//           prefetch thread, plus the time to open (checksums, lengths, loading the rank's part)
//           and the mean time next() keeps a loop waiting whose steps take 2 ms each
//
// Usage: s2s_data_bench [--pairs N] [--workdir DIR] [--sentencepiece-pairs N] [--keep] [--reader-only]
// (--reader-only reuses the corpus a previous --keep run left in the workdir)
// The synthetic corpus imitates real text: a Zipf-distributed vocabulary of 50k words per
// side, sentence lengths 3..60 words (mean ~17), target length correlated with the source.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/Error.h"
#include "bench/BenchTiming.h"
#include "core/Log.h"
#include "data/CorpusBuilder.h"
#include "data/CorpusReader.h"
#include "data/Rng.h"
#include "data/TsvPairSource.h"

namespace {

using s2s::bench::Clock;
using s2s::bench::since;

struct Args {
  int64_t pairs = 3000000;
  int64_t sentencepiece_pairs = 200000;
  std::string workdir = "/tmp/s2s-data-bench";
  bool keep = false;
  bool reader_only = false;  // reuse <workdir>/corpus-space from a --keep run
};

// A word list and a Zipf sampler over it (inverse CDF by binary search).
class ZipfWords {
 public:
  ZipfWords(int size, uint64_t seed) {
    s2s::Rng rng(seed);
    for (int i = 0; i < size; ++i) {
      const int len = 2 + static_cast<int>(rng.below(9));
      std::string w;
      for (int k = 0; k < len; ++k) w += static_cast<char>('a' + rng.below(26));
      words_.push_back(w);
    }
    double total = 0;
    for (int i = 1; i <= size; ++i) cdf_.push_back(total += 1.0 / i);
    for (double& c : cdf_) c /= total;
  }
  const std::string& sample(s2s::Rng& rng) const {
    const double u = rng.uniform();
    const auto it = std::lower_bound(cdf_.begin(), cdf_.end(), u);
    return words_[static_cast<size_t>(std::min<ptrdiff_t>(it - cdf_.begin(), static_cast<ptrdiff_t>(words_.size()) - 1))];
  }

 private:
  std::vector<std::string> words_;
  std::vector<double> cdf_;
};

void generate(const std::string& path, int64_t pairs) {
  const ZipfWords src(50000, 1);
  const ZipfWords tgt(50000, 2);
  s2s::Rng rng(42);
  std::ofstream out(path, std::ios::binary);
  std::string line;
  for (int64_t i = 0; i < pairs; ++i) {
    const int n = 3 + static_cast<int>(rng.below(rng.below(5) == 0 ? 58 : 25));
    const int m = std::max(1, n + static_cast<int>(rng.below(7)) - 3);
    line.clear();
    for (int k = 0; k < n; ++k) (line += k ? " " : "") += src.sample(rng);
    line += '\t';
    for (int k = 0; k < m; ++k) (line += k ? " " : "") += tgt.sample(rng);
    line += '\n';
    out << line;
  }
}

struct ChildResult {
  double seconds = 0;
  double peak_rss_mib = 0;
  int status = 0;
};

// Runs this binary again with `args` in a fresh process; reports its wall time and peak RSS.
ChildResult run_child(const std::vector<std::string>& args) {
  const auto start = Clock::now();
  std::fflush(stdout);  // or the child inherits (and may print again) what is buffered
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    static std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    argv.push_back(self.data());
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(self.c_str(), argv.data());
    std::_Exit(127);
  }
  int status = 0;
  struct rusage usage {};
  ::wait4(pid, &status, 0, &usage);
  ChildResult r;
  r.seconds = since(start);
  r.peak_rss_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;
  r.status = status;
  return r;
}

// Child: `prep INPUT OUT TOKENIZER` builds a corpus.
int child_prep(const std::string& input, const std::string& out, const std::string& tokenizer) {
  s2s::PrepOptions o;
  o.output_dir = out;
  o.force = true;
  o.progress = false;
  o.valid_count = 3000;
  o.test_count = 3000;
  o.source.tokenizer = o.target.tokenizer = tokenizer;
  o.source.vocab_size = o.target.vocab_size = 8000;
  s2s::TsvPairSource source(input, o.max_line_bytes);
  s2s::CorpusBuilder(o).build(source);
  return 0;
}

// How long next() keeps a training loop waiting when each step takes `step_ms`: what the
// prefetch thread is for. Measured over the first `steps` batches of a fresh reader; the
// first call (which plans the epoch) is reported apart from the steady state.
struct Stall {
  double first_ms = 0;   // first next() of the epoch: planning + first batch
  double mean_us = 0;    // mean wait of the later calls
  double p99_us = 0;
};

Stall measure_stall(const std::string& dir, int prefetch, int rank, int world, int max_tokens, int groups, double step_ms,
                    int steps) {
  s2s::DataOptions o;
  o.dir = dir;
  o.max_tokens = max_tokens;
  o.groups = groups;
  o.prefetch_batches = prefetch;
  o.verify_checksums = false;
  s2s::CorpusReader reader(o, "train", rank, world, 2);
  std::vector<double> waits;
  for (int n = 0; n < steps; ++n) {
    const auto t = Clock::now();
    auto b = reader.next();
    waits.push_back(since(t));
    if (!b) break;
    const auto busy_until = Clock::now() + std::chrono::microseconds(static_cast<int64_t>(step_ms * 1000));
    while (Clock::now() < busy_until) {
    }  // a training step keeps its core busy
  }
  Stall s;
  s.first_ms = 1e3 * waits.front();
  std::vector<double> rest(waits.begin() + 1, waits.end());
  if (!rest.empty()) {
    double sum = 0;
    for (double w : rest) sum += w;
    s.mean_us = 1e6 * sum / static_cast<double>(rest.size());
    std::sort(rest.begin(), rest.end());
    s.p99_us = 1e6 * rest[rest.size() * 99 / 100];
  }
  return s;
}

struct ReaderResult {
  double open_seconds = 0;
  double epoch_seconds = 0;
  int64_t batches = 0;
  int64_t tokens = 0;         // non-pad, source + target
  int64_t padded_tokens = 0;  // including padding
  Stall stall;                // waits in next() while simulated 2 ms steps run
};

ReaderResult measure_reader(const std::string& dir, int prefetch, int rank, int world, int max_tokens, int groups) {
  s2s::DataOptions o;
  o.dir = dir;
  o.max_tokens = max_tokens;
  o.groups = groups;
  o.prefetch_batches = prefetch;
  ReaderResult r;
  {
    auto t = Clock::now();
    s2s::CorpusReader reader(o, "train", rank, world, 1);
    r.open_seconds = since(t);
    t = Clock::now();
    while (auto share = reader.next()) {
      for (const auto& b : *share) {
        ++r.batches;
        r.tokens += b.src_tokens + b.tgt_tokens;
        r.padded_tokens += b.size * (b.src_len + b.tgt_len);
      }
    }
    r.epoch_seconds = since(t);
  }  // one reader at a time: peak RSS is one reader's
  r.stall = measure_stall(dir, prefetch, rank, world, max_tokens, groups, 2.0, 1000);
  return r;
}

// Child: `reader DIR PREFETCH RANK WORLD MAX_TOKENS` prints one result line.
int child_reader(const std::string& dir, int prefetch, int rank, int world, int max_tokens, int groups) {
  const ReaderResult r = measure_reader(dir, prefetch, rank, world, max_tokens, groups);
  std::printf("%.6f %.6f %lld %lld %lld %.3f %.3f %.3f\n", r.open_seconds, r.epoch_seconds,
              static_cast<long long>(r.batches), static_cast<long long>(r.tokens), static_cast<long long>(r.padded_tokens),
              r.stall.first_ms, r.stall.mean_us, r.stall.p99_us);
  return 0;
}

int64_t file_size(const std::string& p) { return static_cast<int64_t>(std::filesystem::file_size(p)); }
int64_t dir_size(const std::string& d) {
  int64_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(d)) n += static_cast<int64_t>(e.file_size());
  return n;
}

void run_prep_benchmarks(const Args& a, const std::string& tsv, const std::string& sp_tsv) {
  auto t = Clock::now();
  generate(tsv, a.pairs);
  generate(sp_tsv, a.sentencepiece_pairs);
  std::printf("generated %lld + %lld synthetic pairs (%.0f MiB of TSV) in %.1f s\n\n", static_cast<long long>(a.pairs),
              static_cast<long long>(a.sentencepiece_pairs), static_cast<double>(file_size(tsv)) / (1 << 20), since(t));

  std::printf("%-34s %10s %9s %12s %10s %12s %11s\n", "prep", "pairs", "seconds", "pairs/s", "MiB/s", "peak RSS MiB",
              "output MiB");
  struct PrepCase {
    std::string label, input, out, tokenizer;
    int64_t pairs;
  };
  const std::vector<PrepCase> preps = {
      {"space tokenizer", tsv, a.workdir + "/corpus-space", "space", a.pairs},
      {"sentencepiece (train BPE 8k/side)", sp_tsv, a.workdir + "/corpus-sp", "sentencepiece", a.sentencepiece_pairs},
  };
  for (const auto& p : preps) {
    const ChildResult r = run_child({"prep", p.input, p.out, p.tokenizer});
    if (r.status != 0) {
      std::printf("%-34s failed (status %d)\n", p.label.c_str(), r.status);
      continue;
    }
    std::printf("%-34s %10lld %9.1f %12.0f %10.1f %12.0f %11.1f\n", p.label.c_str(), static_cast<long long>(p.pairs),
                r.seconds, static_cast<double>(p.pairs) / r.seconds,
                static_cast<double>(file_size(p.input)) / (1 << 20) / r.seconds, r.peak_rss_mib,
                static_cast<double>(dir_size(p.out)) / (1 << 20));
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc >= 2 && std::strcmp(argv[1], "prep") == 0 && argc == 5) {
      s2s::Log::configure(s2s::LogLevel::kWarn);
      return child_prep(argv[2], argv[3], argv[4]);
    }
    if (argc >= 2 && std::strcmp(argv[1], "reader") == 0 && argc == 8) {
      s2s::Log::configure(s2s::LogLevel::kWarn);
      return child_reader(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]), std::atoi(argv[6]),
                          std::atoi(argv[7]));
    }
    Args a;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--pairs" && i + 1 < argc) a.pairs = std::atoll(argv[++i]);
      else if (arg == "--sentencepiece-pairs" && i + 1 < argc) a.sentencepiece_pairs = std::atoll(argv[++i]);
      else if (arg == "--workdir" && i + 1 < argc) a.workdir = argv[++i];
      else if (arg == "--keep") a.keep = true;
      else if (arg == "--reader-only") a.reader_only = true;
      else {
        std::fprintf(stderr, "usage: %s [--pairs N] [--sentencepiece-pairs N] [--workdir DIR] [--keep] [--reader-only]\n",
                     argv[0]);
        return 2;
      }
    }
    std::filesystem::create_directories(a.workdir);
    const std::string tsv = a.workdir + "/corpus.tsv";
    const std::string sp_tsv = a.workdir + "/corpus-sp.tsv";
    if (!a.reader_only) run_prep_benchmarks(a, tsv, sp_tsv);

    std::printf("\n%-34s %9s %9s %9s %14s %12s %9s %12s %9s %8s %8s\n", "reader (one epoch, max_tokens)", "open s", "epoch s",
                "batches", "tokens/s", "batches/s", "padding", "peak RSS MiB", "first ms", "wait us", "p99 us");
    struct ReaderCase {
      std::string label;
      int prefetch, rank, world, max_tokens;
      int groups = 0;  // data.groups (0: one per rank)
    };
    const std::vector<ReaderCase> readers = {
        {"1 rank, prefetch 16, 4096", 16, 0, 1, 4096},
        {"1 rank, no prefetch, 4096", 0, 0, 1, 4096},
        {"rank 0 of 4, prefetch 16, 4096", 16, 0, 4, 4096},
        {"1 rank, prefetch 16, 16384", 16, 0, 1, 16384},
        {"rank 1 of 3, 4 groups, 4096", 16, 1, 3, 4096, 4},
        {"1 rank, 4 groups, 4096", 16, 0, 1, 4096, 4},
    };
    const std::string dir = a.workdir + "/corpus-space";
    for (const auto& c : readers) {
      const std::string out = a.workdir + "/reader.out";
      // The child prints its numbers; its stdout goes to a file we read back.
      std::fflush(stdout);
      const pid_t pid = ::fork();
      if (pid == 0) {
        std::freopen(out.c_str(), "w", stdout);
        static std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
        const std::vector<std::string> args = {"reader", dir, std::to_string(c.prefetch), std::to_string(c.rank),
                                               std::to_string(c.world), std::to_string(c.max_tokens),
                                               std::to_string(c.groups)};
        std::vector<char*> argv2 = {self.data()};
        for (const auto& s : args) argv2.push_back(const_cast<char*>(s.c_str()));
        argv2.push_back(nullptr);
        ::execv(self.c_str(), argv2.data());
        std::_Exit(127);
      }
      int status = 0;
      struct rusage usage {};
      ::wait4(pid, &status, 0, &usage);
      double open_s = 0, epoch_s = 0, first_ms = 0, wait_us = 0, p99_us = 0;
      long long batches = 0, tokens = 0, padded = 0;
      FILE* f = std::fopen(out.c_str(), "r");
      const int got =
          f ? std::fscanf(f, "%lf %lf %lld %lld %lld %lf %lf %lf", &open_s, &epoch_s, &batches, &tokens, &padded,
                          &first_ms, &wait_us, &p99_us)
            : 0;
      if (f) std::fclose(f);
      if (status != 0 || got != 8) {
        std::printf("%-34s failed (status %d)\n", c.label.c_str(), status);
        continue;
      }
      std::printf("%-34s %9.2f %9.2f %9lld %14.0f %12.0f %8.1f%% %12.0f %9.1f %8.1f %8.1f\n", c.label.c_str(), open_s,
                  epoch_s, batches, static_cast<double>(tokens) / epoch_s, static_cast<double>(batches) / epoch_s,
                  100.0 * static_cast<double>(padded - tokens) / static_cast<double>(padded),
                  static_cast<double>(usage.ru_maxrss) / 1024.0, first_ms, wait_us, p99_us);
    }
    if (!a.keep) std::filesystem::remove_all(a.workdir);
    return 0;
  } catch (const s2s::Error& e) {
    std::fprintf(stderr, "s2s_data_bench: error: %s\n", e.what());
    return 1;
  }
}
